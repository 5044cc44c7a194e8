SELECT fullName FROM samples.persons p WHERE EXISTS(SELECT 1 FROM UNNEST(p.citiesLived) city WHERE city.place = 'Austin') ORDER BY fullName
