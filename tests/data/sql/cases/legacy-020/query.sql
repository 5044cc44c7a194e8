SELECT fullName FROM FLATTEN([samples.persons], age)
