CREATE TABLE scratch.ranged (id INT64, s STRING) PARTITION BY RANGE_BUCKET(id, GENERATE_ARRAY(0, 100, 10));
INSERT scratch.ranged VALUES (5, 'a'), (7, 'bb'), (15, 'c'), (-3, 'd'), (100, 'e'), (NULL, 'f');
SELECT partition_id, total_rows FROM scratch.INFORMATION_SCHEMA.PARTITIONS WHERE table_name = 'ranged' ORDER BY partition_id
