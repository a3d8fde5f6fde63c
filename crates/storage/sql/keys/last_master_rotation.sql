SELECT finished_at FROM key_rotations WHERE kind = 'master' ORDER BY id DESC LIMIT 1
