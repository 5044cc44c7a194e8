SELECT fullName, ARRAY(SELECT DATE(y, 1, 1) FROM UNNEST(citiesLived) c, UNNEST(c.yearsLived) y WHERE y >= 2005 ORDER BY y) AS since2005 FROM samples.persons ORDER BY fullName
