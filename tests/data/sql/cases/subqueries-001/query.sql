WITH big AS (SELECT id, x FROM t.nums WHERE x > 5) SELECT id FROM big ORDER BY id
