SELECT c.name, ARRAY_AGG(c.name) OVER (ORDER BY c.age, c.name ROWS UNBOUNDED PRECEDING) AS sofar FROM samples.persons p, p.children c ORDER BY c.age, c.name LIMIT 3
