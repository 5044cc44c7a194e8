SELECT gender, fullName FROM samples.persons ORDER BY gender DESC, age LIMIT 2 OFFSET 1
