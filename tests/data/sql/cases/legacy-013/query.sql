SELECT fullName, children.name FROM [samples.persons] WHERE children.age > 8
