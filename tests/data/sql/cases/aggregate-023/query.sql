SELECT id, id * 10 AS t FROM t.nums GROUP BY ROLLUP(id, id * 10) ORDER BY id, t
