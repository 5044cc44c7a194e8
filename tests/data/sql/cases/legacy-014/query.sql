SELECT fullName, citiesLived.yearsLived FROM [samples.persons] WHERE citiesLived.place = 'Austin'
