SELECT LAG(x, id) OVER (ORDER BY id) FROM t.nums
