SELECT gender, COUNT(*) AS n, (SELECT COUNT(*) FROM samples.persons) AS total FROM samples.persons GROUP BY gender ORDER BY gender
