SELECT phoneNumber.areaCode, phoneNumber FROM samples.persons ORDER BY age LIMIT 1
