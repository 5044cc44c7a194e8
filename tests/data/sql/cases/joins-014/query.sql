SELECT fullName, c.name AS child FROM samples.persons p LEFT JOIN UNNEST(p.children) c ORDER BY fullName, child
