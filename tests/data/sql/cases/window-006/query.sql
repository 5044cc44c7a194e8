SELECT c.name, c.age, SUM(c.age) OVER (ORDER BY c.age) AS running FROM samples.persons p, p.children c ORDER BY c.age, c.name
