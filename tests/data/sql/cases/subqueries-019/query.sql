SELECT p.fullName, (SELECT MAX(c.age) FROM p.children c) AS oldest FROM samples.persons p ORDER BY 1
