SELECT SPLIT('a,b,,c') AS s, SPLIT('a b', ' ') AS t, SPLIT('', ',') AS e, SPLIT('héj', '') AS chars
