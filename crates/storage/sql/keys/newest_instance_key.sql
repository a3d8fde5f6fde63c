SELECT version, wrapped_key, master_key_version FROM instance_keys
ORDER BY version DESC LIMIT 1
