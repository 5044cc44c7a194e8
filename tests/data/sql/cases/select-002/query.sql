SELECT fullName FROM samples.persons ORDER BY fullName
