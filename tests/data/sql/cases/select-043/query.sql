-- Beside a NUMERIC element, a FLOAT64 literal in an array is read as NUMERIC from its digits.
SELECT x FROM UNNEST([CAST(3.14159 AS NUMERIC), 1.2345, 0.1]) AS x ORDER BY x
