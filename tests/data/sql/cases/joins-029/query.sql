-- NULL keys never match
SELECT a.id, b.id AS bid FROM t.nums a LEFT JOIN t.nums b ON a.x = b.x ORDER BY a.id
