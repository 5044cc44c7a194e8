SELECT fullName, (SELECT COUNT(*) FROM UNNEST(children) c WHERE c.age > 3) AS kids FROM samples.persons ORDER BY fullName
