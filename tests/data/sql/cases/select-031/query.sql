SELECT phoneNumber.* REPLACE (phoneNumber.areaCode + 1 AS areaCode) FROM samples.persons WHERE fullName = 'John Doe'
