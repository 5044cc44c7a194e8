SELECT c.name, SUM(c.age) OVER (ORDER BY c.age, c.name ROWS BETWEEN 1 PRECEDING AND CURRENT ROW) AS pair FROM samples.persons p, p.children c ORDER BY c.age, c.name
