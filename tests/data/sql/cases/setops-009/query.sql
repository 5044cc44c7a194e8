WITH all_ids AS (SELECT id FROM t.nums UNION DISTINCT SELECT id FROM t.kinds) SELECT SUM(id) AS s FROM all_ids
