SELECT fullName, children.name, citiesLived.place FROM [samples.persons]
