SELECT fullName FROM samples.persons p WHERE NOT EXISTS(SELECT 1 FROM UNNEST(p.citiesLived) city WHERE city.place = 'Austin')
