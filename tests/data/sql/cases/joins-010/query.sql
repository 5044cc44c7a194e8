SELECT id, x FROM t.nums LEFT JOIN t.kinds USING (id) WHERE name IS NULL
