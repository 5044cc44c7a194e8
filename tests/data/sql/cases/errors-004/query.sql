SELECT fullName
FROM samples.persons
WHERE age >
