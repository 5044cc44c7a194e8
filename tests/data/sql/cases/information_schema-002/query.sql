SELECT column_name, ordinal_position, is_nullable, data_type FROM t.INFORMATION_SCHEMA.COLUMNS WHERE table_name = 'nums' ORDER BY ordinal_position
