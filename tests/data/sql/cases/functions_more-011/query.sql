SELECT fullName, ARRAY_TO_STRING(ARRAY_REVERSE(SPLIT(fullName, ' ')), ', ') AS byLast FROM samples.persons ORDER BY 2
