-- FLOAT64 keys are compared row by row (no hashing of 1.5 = 1.50 questions)
SELECT n.id FROM t.nums n JOIN t.kinds k ON CAST(k.id AS FLOAT64) * 1.5 = n.f ORDER BY 1
