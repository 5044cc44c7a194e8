SELECT s.id, s.n FROM (SELECT id, COUNT(*) AS n FROM t.kinds GROUP BY id) AS s WHERE s.n > 1
