-- FLOAT64 to NUMERIC goes through the shortest decimal that reads back as the double, then
-- rounds to 9 digits after the point (not the double's binary expansion).
SELECT CAST(9.9999999e+28 AS NUMERIC) AS big, CAST(0.1 AS NUMERIC) AS tenth, CAST(-1.5e-10 AS NUMERIC) AS tiny,
       CAST(2.0000000005 AS NUMERIC) AS rounded, CAST(123.456 AS BIGNUMERIC) AS b
