SELECT p.fullName, city.place, ROW_NUMBER() OVER (PARTITION BY p.fullName ORDER BY city.place) AS n FROM samples.persons p, UNNEST(p.citiesLived) city WHERE p.age > 40 ORDER BY n
