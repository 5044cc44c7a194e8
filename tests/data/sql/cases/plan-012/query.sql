SELECT p.fullName, n.id FROM samples.persons p FULL JOIN t.nums n ON p.age < n.x ORDER BY 1, 2
