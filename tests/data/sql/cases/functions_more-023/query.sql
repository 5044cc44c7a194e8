-- TIMESTAMP to STRING writes fractions in as few groups of three digits as they need.
SELECT CAST(TIMESTAMP '2015-01-28 00:00:00' AS STRING) AS whole,
       CAST(TIMESTAMP '2015-01-28 00:00:00.1' AS STRING) AS tenth,
       CAST(TIMESTAMP '2015-01-28 00:00:00.0001' AS STRING) AS micros
