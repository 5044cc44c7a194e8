SELECT SUM(fullName) FROM samples.persons
