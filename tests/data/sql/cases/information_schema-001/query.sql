SELECT table_name, table_type, is_insertable_into FROM t.INFORMATION_SCHEMA.TABLES ORDER BY table_name
