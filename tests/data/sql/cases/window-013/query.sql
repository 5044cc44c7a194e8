SELECT c.name, COUNT(*) OVER (ORDER BY c.age RANGE BETWEEN 2 PRECEDING AND 2 FOLLOWING) AS near FROM samples.persons p, p.children c ORDER BY c.age, c.name
