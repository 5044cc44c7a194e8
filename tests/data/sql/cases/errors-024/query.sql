-- BIGNUMERIC digits the sandbox cannot keep are refused, never rounded away.
SELECT CAST('1.00000000000000000001' AS BIGNUMERIC) AS b
