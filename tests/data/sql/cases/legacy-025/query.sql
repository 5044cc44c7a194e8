SELECT fullName FROM [samples.persons] WHERE citiesLived.yearsLived > 2006
