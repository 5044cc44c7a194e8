SELECT COUNTIF(REGEXP_CONTAINS(s, 'b c')) AS plain, COUNTIF(REGEXP_CONTAINS(s, 'b.c')) AS any_between,
  COUNT(*) - COUNT(REGEXP_CONTAINS(s, 'b c')) AS null_answers
FROM UNNEST(['a b c', 'b c', 'bc', 'b-c', NULL]) AS s
