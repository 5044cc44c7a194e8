SELECT gender, COUNT(*) AS n, 1 AS one, UPPER(gender) AS g FROM samples.persons GROUP BY ALL ORDER BY gender
