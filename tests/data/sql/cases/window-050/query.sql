SELECT fullName, age, RANK() OVER (ORDER BY age DESC) AS r
FROM samples.persons
QUALIFY RANK() OVER (ORDER BY age DESC) <= 2
ORDER BY fullName
