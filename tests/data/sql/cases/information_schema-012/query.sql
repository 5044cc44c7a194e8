CREATE TABLE scratch.plain (x INT64, s STRING);
INSERT scratch.plain VALUES (1, 'abc'), (2, NULL);
SELECT partition_id, total_rows, total_logical_bytes FROM scratch.INFORMATION_SCHEMA.PARTITIONS WHERE table_name = 'plain'
