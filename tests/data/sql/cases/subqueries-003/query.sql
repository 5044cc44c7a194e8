WITH k AS (SELECT id, name FROM t.kinds) SELECT n.id, k.name FROM t.nums n JOIN k USING (id) ORDER BY name
