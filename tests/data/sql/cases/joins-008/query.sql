SELECT id, name FROM t.nums JOIN t.kinds USING (id) ORDER BY id, name
