SELECT fullName FROM samples.persons CROSS JOIN UNNEST(children) AS c WHERE c.age = 6 ORDER BY fullName
