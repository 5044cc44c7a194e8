SELECT fullName, (SELECT COUNT(*) FROM UNNEST(citiesLived) city WHERE (SELECT COUNT(*) FROM UNNEST(city.yearsLived) y WHERE y > 2000) > 0) AS citiesAfter2000 FROM samples.persons ORDER BY fullName
