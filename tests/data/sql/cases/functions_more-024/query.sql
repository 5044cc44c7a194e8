-- A FLOAT64 literal cast to NUMERIC is read from its digits as written; exponents are written out.
SELECT CAST(9999999.999999999 AS NUMERIC) AS literal_digits, CAST(-1.5e3 AS NUMERIC) AS exponent,
       CAST('1.25e-2' AS NUMERIC) AS text_exponent, CAST(0.1 AS BIGNUMERIC) AS big
