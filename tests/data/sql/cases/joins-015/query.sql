SELECT fullName, c.name AS child FROM samples.persons p LEFT JOIN p.children c ON c.age > 10 ORDER BY fullName
