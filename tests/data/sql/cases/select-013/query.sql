SELECT children[OFFSET(5)].name FROM samples.persons
