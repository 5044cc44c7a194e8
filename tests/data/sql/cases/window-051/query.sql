SELECT fullName, age + ROW_NUMBER() OVER (ORDER BY age) AS y FROM samples.persons ORDER BY y DESC
