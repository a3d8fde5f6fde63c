INSERT INTO key_rotations (kind, master_key_version, keys_rewrapped, finished_at)
VALUES ('retire', $1, 0, $2)
