SELECT fullName, c.name, STRING_AGG(c.name, '/') OVER (PARTITION BY fullName ORDER BY c.name) AS names FROM samples.persons p, p.children c ORDER BY fullName, c.name
