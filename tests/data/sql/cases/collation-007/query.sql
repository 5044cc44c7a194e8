SELECT s FROM UNNEST(['a']) AS s ORDER BY s COLLATE 'binary:cs'
