SELECT id, ts > TIMESTAMP '2024-01-03 00:00:00+00' AS later, s BETWEEN 'b' AND 'k' AS mid FROM t.times ORDER BY id
