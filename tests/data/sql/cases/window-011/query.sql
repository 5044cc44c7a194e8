SELECT c.name, NTILE(2) OVER (ORDER BY c.age, c.name) AS half FROM samples.persons p, p.children c ORDER BY c.age, c.name
