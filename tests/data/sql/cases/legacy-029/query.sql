SELECT fullName FROM [samples.persons] WHERE fullName CONTAINS 'o' AND NOT fullName CONTAINS 'Mike' AND citiesLived.place NOT CONTAINS 'x'
