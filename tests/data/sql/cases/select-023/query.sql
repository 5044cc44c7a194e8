SELECT p.* FROM t.nums AS p WHERE p.id = 1
