SELECT p.fullName FROM samples.persons AS p WHERE p.gender = 'Male' ORDER BY 1 LIMIT 1 OFFSET 1
