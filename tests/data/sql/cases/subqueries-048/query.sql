-- the whole row, only inside a subquery of the select list
SELECT fullName, (SELECT ARRAY_LENGTH(p.children) + ARRAY_LENGTH([p])) AS n
FROM samples.persons p
ORDER BY fullName
