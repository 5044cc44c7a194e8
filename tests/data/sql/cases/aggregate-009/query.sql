SELECT COUNT(*) FROM samples.persons WHERE COUNT(*) > 1
