SELECT children.name FROM samples.persons
