CREATE TABLE scratch.c (name STRING COLLATE 'und:ci', plain STRING);
SELECT column_name, collation_name FROM scratch.INFORMATION_SCHEMA.COLUMNS ORDER BY column_name
