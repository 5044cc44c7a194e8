SELECT fullName, place
FROM samples.persons,
UNNEST(citiesLived)
WHERE place = "Austin"
