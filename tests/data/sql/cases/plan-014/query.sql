SELECT p.fullName, c.name, o FROM samples.persons p LEFT JOIN UNNEST(p.children) c WITH OFFSET o ORDER BY 1, 3
