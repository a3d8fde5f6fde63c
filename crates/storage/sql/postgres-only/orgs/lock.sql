SELECT id FROM organisations WHERE id = $1 FOR UPDATE
