SELECT citiesLived.place AS city, COUNT(*) AS n FROM [samples.persons] GROUP BY city ORDER BY n DESC, city
