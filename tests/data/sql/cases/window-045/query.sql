SELECT fullName, ROW_NUMBER() OVER (g ORDER BY age) AS n, COUNT(*) OVER byAge AS c
FROM samples.persons
WINDOW g AS (PARTITION BY gender), byAge AS (g ORDER BY age)
ORDER BY fullName
