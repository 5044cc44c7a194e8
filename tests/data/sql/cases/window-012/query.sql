SELECT gender, COUNT(*) AS n, RANK() OVER (ORDER BY COUNT(*) DESC) AS r, SUM(COUNT(*)) OVER () AS total FROM samples.persons GROUP BY gender ORDER BY r
