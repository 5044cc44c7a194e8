SELECT fullName, children.name, children.age FROM FLATTEN([samples.persons], children) WHERE children.age >= 8 ORDER BY children.age DESC
