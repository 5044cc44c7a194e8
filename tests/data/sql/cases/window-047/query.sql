SELECT RANK() OVER (w ORDER BY fullName) FROM samples.persons WINDOW w AS (ORDER BY age)
