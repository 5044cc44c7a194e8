SELECT fullName, age FROM samples.persons GROUP BY fullName
