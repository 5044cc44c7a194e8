SELECT * REPLACE ('x' AS nope) FROM t.kinds
