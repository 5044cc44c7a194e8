SELECT fullName FROM samples.persons ORDER BY ROW_NUMBER() OVER (ORDER BY age DESC)
