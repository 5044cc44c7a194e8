SELECT fullName, COUNT(c.name) AS kids, STRING_AGG(c.name, '|') AS names, ARRAY_AGG(c.age) AS ages FROM samples.persons, UNNEST(children) c GROUP BY 1 ORDER BY kids DESC
