SELECT fullName, c.name, o FROM samples.persons, UNNEST(children) AS c WITH OFFSET AS o WHERE fullName = 'Mike Jones' ORDER BY o
