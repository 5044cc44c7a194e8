SELECT id, x - (SELECT MIN(x) FROM t.nums) AS above FROM t.nums ORDER BY id
