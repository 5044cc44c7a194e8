SELECT fullName, phoneNumber.number
FROM samples.persons
