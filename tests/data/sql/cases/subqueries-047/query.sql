-- age is read only two subqueries down
SELECT fullName FROM samples.persons p
WHERE (SELECT (SELECT p.age + 0)) > 30
ORDER BY fullName
