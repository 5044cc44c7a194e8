SELECT UPPER(p.fullName) AS n, c.name,
  COUNT(*) OVER (PARTITION BY p.fullName) AS kids,
  ROW_NUMBER() OVER (PARTITION BY p.fullName ORDER BY c.age DESC) AS k
FROM samples.persons p JOIN UNNEST(p.children) c
ORDER BY n, k
