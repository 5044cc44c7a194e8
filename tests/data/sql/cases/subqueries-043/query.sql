SELECT fullName, ARRAY(SELECT AS STRUCT c.name, c.age + 1 AS next FROM UNNEST(children) c ORDER BY c.age) AS kids,
  (SELECT AS STRUCT age, gender) AS info
FROM samples.persons WHERE age < 40 ORDER BY fullName
