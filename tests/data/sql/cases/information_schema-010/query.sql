CREATE TABLE scratch.events (d DATE, n INT64, s STRING) PARTITION BY d CLUSTER BY s, n;
INSERT scratch.events VALUES (DATE '2024-01-31', 1, 'a'), (DATE '2024-01-31', 2, 'bb'), (DATE '2024-02-01', 3, NULL), (NULL, 4, 'c');
SELECT partition_id, total_rows, total_logical_bytes, total_billable_bytes, storage_tier
FROM scratch.INFORMATION_SCHEMA.PARTITIONS WHERE table_name = 'events' ORDER BY partition_id
