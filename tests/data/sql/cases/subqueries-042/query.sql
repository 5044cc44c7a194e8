-- a correlated subquery reading a FROM subquery of a FROM subquery of a set operation
SELECT id, (SELECT COUNT(*) FROM (SELECT * FROM (SELECT id AS k FROM t.kinds UNION ALL SELECT 4)) WHERE k = n.id) AS matches FROM t.nums n ORDER BY id
