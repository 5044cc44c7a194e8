SELECT fullName, age FROM [samples.persons] WHERE age > 30 ORDER BY age DESC LIMIT 1
