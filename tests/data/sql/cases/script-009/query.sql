DECLARE n INT64 DEFAULT 3;
ASSERT n > 5 AS 'n must be over 5'
