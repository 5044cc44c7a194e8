SELECT fullName FROM [p:samples.persons] ORDER BY fullName
