SELECT gender, COUNT(*) AS n FROM samples.persons GROUP BY gender ORDER BY n DESC
