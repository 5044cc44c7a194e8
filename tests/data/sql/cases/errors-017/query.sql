SELECT 1 FROM samples.persons WHERE age
