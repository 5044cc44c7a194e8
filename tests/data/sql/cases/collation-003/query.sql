SELECT s FROM UNNEST(['b', 'A', 'a', 'B', 'c']) AS s ORDER BY s COLLATE 'und:ci', s
