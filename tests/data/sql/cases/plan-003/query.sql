SELECT p.fullName, c.name FROM samples.persons p LEFT JOIN UNNEST(p.children) c WHERE c.name IS NULL OR c.name LIKE 'J%' ORDER BY 1, 2
