SELECT c.name, LAG(c.name) OVER (ORDER BY c.age, c.name) AS prev, LEAD(c.name, 2, 'none') OVER (ORDER BY c.age, c.name) AS next2 FROM samples.persons p, p.children c ORDER BY c.age, c.name
