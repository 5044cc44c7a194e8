SELECT fullName, (SELECT COUNT(*) FROM UNNEST(children) c WHERE c.age > 7) AS older FROM samples.persons ORDER BY fullName
