-- ">>" closing two type parameter lists at once
SELECT CAST(NULL AS ARRAY<STRUCT<a INT64>>) AS e, ARRAY<STRUCT<x INT64>>[STRUCT(1)] AS f, ARRAY<STRUCT<y ARRAY<STRING>>>[STRUCT(['a'])] AS g
