SELECT fullName, c.name, COUNT(*) OVER (PARTITION BY fullName) AS kids, SUM(c.age) OVER (PARTITION BY fullName) AS total FROM samples.persons p, p.children c ORDER BY fullName, c.name
