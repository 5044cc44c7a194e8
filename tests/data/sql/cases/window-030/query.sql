SELECT id FROM t.nums QUALIFY id = 1
