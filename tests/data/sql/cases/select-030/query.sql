SELECT n.* EXCEPT (id), k.name FROM t.nums n JOIN t.kinds k USING (id) WHERE k.name = 'one'
