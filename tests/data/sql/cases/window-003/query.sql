SELECT fullName, c.name, ROW_NUMBER() OVER (PARTITION BY fullName ORDER BY c.age DESC) AS n FROM samples.persons p, p.children c ORDER BY fullName, n
