SELECT DISTINCT gender, COUNT(*) OVER (PARTITION BY gender) AS n FROM samples.persons ORDER BY gender
