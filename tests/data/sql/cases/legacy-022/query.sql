SELECT kind, fullName FROM [samples.persons] t WHERE t.age < 30
