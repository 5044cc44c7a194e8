SET @@time_zone = 'America/Los_Angeles';
SELECT RANGE<TIMESTAMP> '[2020-01-01, UNBOUNDED)' AS r
