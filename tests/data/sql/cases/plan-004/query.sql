SELECT COUNTIF(fullName LIKE '%') AS a, COUNTIF(fullName LIKE '') AS b, COUNTIF(fullName LIKE 'J%e') AS c,
  COUNTIF(fullName LIKE '%o%o%') AS d, COUNTIF(fullName LIKE 'John Doe') AS e, COUNTIF(fullName LIKE '%e%e%') AS f,
  COUNTIF(fullName LIKE 'Anna%nina') AS g, COUNTIF(fullName NOT LIKE '%a') AS h
FROM samples.persons
