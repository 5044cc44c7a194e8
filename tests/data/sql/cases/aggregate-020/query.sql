SELECT s, id, GROUPING(s) AS gs, GROUPING(id) AS gi, COUNT(*) AS n
FROM t.nums
GROUP BY ROLLUP(s, id)
ORDER BY gs, gi, s, id
