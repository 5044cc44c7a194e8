SELECT * EXCEPT (tags, f) FROM t.nums ORDER BY id
