SELECT * EXCEPT (tags, f) REPLACE (x * 2 AS x, UPPER(s) AS S) FROM t.nums ORDER BY id
