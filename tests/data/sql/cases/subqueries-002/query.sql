WITH a AS (SELECT id FROM t.nums), b AS (SELECT id * 10 AS y FROM a) SELECT SUM(y) AS s FROM b
