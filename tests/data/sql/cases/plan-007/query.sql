SELECT a.fullName AS a, b.fullName AS b FROM samples.persons a LEFT JOIN samples.persons b ON a.gender = b.gender AND b.age > a.age ORDER BY a, b
