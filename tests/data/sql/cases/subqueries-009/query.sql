SELECT total FROM (SELECT SUM(c.age) AS total FROM (SELECT children FROM samples.persons) p, p.children c)
