SELECT * EXCEPT (id, name) FROM t.kinds
