DELETE FROM setup_tokens WHERE used_at IS NULL
