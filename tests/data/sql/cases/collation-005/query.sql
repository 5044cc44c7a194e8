SELECT COLLATE('a', 'binary') = COLLATE('A', 'und:ci')
