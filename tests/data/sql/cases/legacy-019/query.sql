SELECT fullName, COUNT(citiesLived.yearsLived) WITHIN citiesLived.place FROM [samples.persons]
