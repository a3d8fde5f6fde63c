INSERT INTO key_rotations (kind, master_key_version, keys_rewrapped, finished_at)
VALUES ('master', $1, $2, $3)
