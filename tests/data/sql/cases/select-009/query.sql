SELECT fullName, city.place, y FROM samples.persons p, p.citiesLived AS city, UNNEST(city.yearsLived) AS y WHERE y > 2005 ORDER BY y
