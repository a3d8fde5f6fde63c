SELECT id FROM organisations WHERE id = $1
