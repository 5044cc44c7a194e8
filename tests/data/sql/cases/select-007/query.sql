SELECT DISTINCT gender FROM samples.persons ORDER BY gender
