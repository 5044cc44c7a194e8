SELECT fullName, age
FROM [docs.persons]
WHERE
  (citiesLived.yearsLived > 1995 ) AND
  (children.age > 3)
