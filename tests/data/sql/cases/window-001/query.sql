SELECT c.name, c.age, ROW_NUMBER() OVER (ORDER BY c.age, c.name) AS rn FROM samples.persons p, p.children c ORDER BY rn
