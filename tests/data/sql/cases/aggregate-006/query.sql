SELECT y, COUNT(*) AS n FROM samples.persons, UNNEST(citiesLived) c, UNNEST(c.yearsLived) y GROUP BY y HAVING n > 1 ORDER BY y
