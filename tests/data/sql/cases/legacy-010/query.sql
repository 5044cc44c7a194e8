SELECT phoneNumber FROM [samples.persons] WHERE fullName = 'John Doe'
