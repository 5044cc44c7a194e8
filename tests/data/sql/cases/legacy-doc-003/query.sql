SELECT
  fullName,
  age,
  gender,
  citiesLived.place
FROM (FLATTEN([docs.persons], children))
WHERE
  (citiesLived.yearsLived > 1995) AND
  (children.age > 3)
GROUP BY fullName, age, gender, citiesLived.place
