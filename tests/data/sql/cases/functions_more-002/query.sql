SELECT REGEXP_EXTRACT('foo@example.com', r'^[a-z]+') AS user, REGEXP_EXTRACT('foo@example.com', r'@([a-z]+)') AS domain, REGEXP_EXTRACT('abc', 'x') AS none
