SELECT * REPLACE (x * 2 AS x, UPPER(s) AS S) EXCEPT (tags) FROM t.nums ORDER BY id
