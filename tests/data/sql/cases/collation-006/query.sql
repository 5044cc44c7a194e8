SELECT COLLATE('abc', UPPER('und:ci'))
