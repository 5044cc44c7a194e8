SELECT 1 FROM t.nums n FULL JOIN t.kinds k USING (id)
