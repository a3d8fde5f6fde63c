SELECT org_id, version, wrapped_key, master_key_version FROM org_keys
WHERE master_key_version = $1 LIMIT 1
