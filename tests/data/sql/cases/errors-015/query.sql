SELECT * FROM samples.persons, UNNEST(fullName)
