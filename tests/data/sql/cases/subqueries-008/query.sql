SELECT name FROM (SELECT fullName AS name, children FROM samples.persons) p, UNNEST(p.children) c WHERE c.age > 9 ORDER BY name
