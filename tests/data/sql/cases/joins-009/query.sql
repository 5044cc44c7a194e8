SELECT * FROM t.nums JOIN t.kinds USING (id) WHERE name = 'one'
