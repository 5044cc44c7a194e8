SELECT age FROM samples.persons WHERE age BETWEEN 22 AND 35 AND age IN (22, 99) 
