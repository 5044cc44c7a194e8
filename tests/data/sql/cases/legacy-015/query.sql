SELECT COUNT(children.name) AS kids, COUNT(*) AS flattened FROM [samples.persons]
