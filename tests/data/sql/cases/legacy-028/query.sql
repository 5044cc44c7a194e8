SELECT fullName, GROUP_CONCAT(children.name) WITHIN RECORD AS kids FROM [samples.persons]
