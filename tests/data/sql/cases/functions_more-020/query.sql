SELECT REGEXP_CONTAINS(NULL, 'a') AS a, SPLIT(NULL) AS b, REPEAT('x', NULL) AS c
-- a NULL array comes out as [], as BigQuery writes it
