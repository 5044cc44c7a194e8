SELECT a.fullName AS a, b.fullName AS b FROM samples.persons a JOIN samples.persons b ON a.gender = b.gender ORDER BY a, b
