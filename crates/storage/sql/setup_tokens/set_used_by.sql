UPDATE setup_tokens SET used_by = $2 WHERE token_hash = $1
