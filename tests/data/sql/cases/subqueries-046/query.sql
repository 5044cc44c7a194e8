-- children is read only inside the subquery
SELECT fullName FROM samples.persons p
WHERE EXISTS (SELECT 1 FROM UNNEST(p.children) c WHERE c.age > 10)
ORDER BY fullName
