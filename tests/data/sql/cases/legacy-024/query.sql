SELECT gender, COUNT(children.name) AS kids FROM [samples.persons] GROUP BY gender
