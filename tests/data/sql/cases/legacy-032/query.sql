SELECT COUNT(c) WITHIN RECORD AS k FROM (SELECT children.name AS c FROM [samples.persons])
