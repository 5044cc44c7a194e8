SELECT * EXCEPT (nope) FROM t.kinds
