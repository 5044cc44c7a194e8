CREATE OR REPLACE TABLE scratch.c1 AS SELECT id, s AS label FROM t.nums WHERE id < 3;
SELECT column_name, data_type FROM scratch.INFORMATION_SCHEMA.COLUMNS WHERE table_name = 'c1' ORDER BY ordinal_position
