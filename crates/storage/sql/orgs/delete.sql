DELETE FROM organisations WHERE id = $1
