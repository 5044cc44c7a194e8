SELECT s,
  s LIKE ANY ('a%', 'z%') AS any_match,
  s NOT LIKE ALL UNNEST(['b', 'c']) AS none_match,
  s LIKE ALL UNNEST(CAST([] AS ARRAY<STRING>)) AS all_of_nothing,
FROM t.nums ORDER BY id
