SELECT REPEAT('ab', 3) AS d, LEFT('héllo', 2) AS e, RIGHT('héllo', 3) AS f, INITCAP('hello wORLD-foo') AS g
