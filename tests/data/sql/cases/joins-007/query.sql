SELECT COUNT(*) AS n FROM t.nums a FULL JOIN t.kinds b ON FALSE
