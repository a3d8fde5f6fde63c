SELECT id FROM organisations ORDER BY id
