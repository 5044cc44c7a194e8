SELECT fullName, (SELECT COUNT(*) FROM UNNEST(citiesLived) city WHERE (SELECT MIN(y) FROM UNNEST(city.yearsLived) y) < age + 1970) AS early FROM samples.persons ORDER BY fullName
