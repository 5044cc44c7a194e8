SELECT fullName, children FROM samples.persons WHERE fullName = 'Anna Karenina' UNION ALL SELECT fullName, children FROM samples.persons WHERE fullName = 'John Doe'
