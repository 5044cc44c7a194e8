SELECT fullName, children.name
FROM [docs.persons4]
