SELECT c.name, COUNT(*) OVER (ORDER BY c.age DESC RANGE BETWEEN 2 PRECEDING AND CURRENT ROW) AS upto FROM samples.persons p, p.children c ORDER BY c.age, c.name
