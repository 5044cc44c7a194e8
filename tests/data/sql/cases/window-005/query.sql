SELECT fullName, age, RANK() OVER (ORDER BY age DESC) AS r FROM samples.persons QUALIFY r <= 2 ORDER BY r
