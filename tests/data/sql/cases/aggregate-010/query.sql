SELECT SUM(COUNT(*)) FROM samples.persons
