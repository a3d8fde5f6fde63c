SELECT COALESCE(pg_sequence_last_value(pg_get_serial_sequence('transactions', 'id')::regclass), 0) AS newest
