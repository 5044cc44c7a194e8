-- NUMERIC sums and averages near NUMERIC's limit stay exact (the average rounds half away from
-- zero at the 9th digit); a FLOAT64 quotient too large is NULL from SAFE_DIVIDE.
SELECT AVG(x) AS avg_big, SUM(y) AS sum_small, AVG(y) AS avg_small, SAFE_DIVIDE(1e300, 1e-300) AS safe
FROM UNNEST(ARRAY<STRUCT<x NUMERIC, y NUMERIC>>[(NUMERIC '99999999999999999999999999999', NUMERIC '0.000000001'),
                                               (NUMERIC '99999999999999999999999999998', NUMERIC '0.000000002')])
