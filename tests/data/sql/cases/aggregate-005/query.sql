SELECT c.gender AS g, COUNT(DISTINCT fullName) AS parents, SUM(c.age) AS total FROM samples.persons, UNNEST(children) AS c GROUP BY g HAVING total > 10 ORDER BY g
