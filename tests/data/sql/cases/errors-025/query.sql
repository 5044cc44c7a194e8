-- FLOAT64 arithmetic that overflows from finite operands is an error, as in BigQuery.
SELECT 1e300 * 1e300 AS x
