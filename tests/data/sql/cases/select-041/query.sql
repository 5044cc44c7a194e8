-- BIGNUMERIC values order and compare exactly, digits a double would lose included.
SELECT id, v = 1 AS is_one, v > 5 AS above_five FROM t.bignums ORDER BY v
