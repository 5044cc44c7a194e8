SELECT LENGTH(u) AS n, REGEXP_CONTAINS(u, r'^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$') AS ok, u = v AS same FROM (SELECT GENERATE_UUID() AS u, GENERATE_UUID() AS v)
