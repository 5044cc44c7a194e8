SELECT c.name, AVG(c.age) OVER (ORDER BY c.age, c.name ROWS BETWEEN CURRENT ROW AND 1 FOLLOWING) AS nextAvg FROM samples.persons p, p.children c ORDER BY c.age, c.name
