SELECT id FROM t.nums RIGHT JOIN t.kinds USING (id) ORDER BY id
