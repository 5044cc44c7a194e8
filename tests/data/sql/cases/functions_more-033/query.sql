SELECT REGEXP_CONTAINS('Jane Doe 12', 'Doe 1') AS plain, REGEXP_CONTAINS('Jane Doe 12', 'doe 1') AS other_case,
  REGEXP_CONTAINS('a.b', 'a.b') AS dot_itself, REGEXP_CONTAINS('axb', 'a.b') AS dot_any, REGEXP_CONTAINS('héllo', 'él') AS accented,
  REGEXP_CONTAINS('abc', '') AS empty_pattern, REGEXP_CONTAINS(CAST(NULL AS STRING), 'a') AS null_text
