SELECT DISTINCT master_key_version FROM org_keys ORDER BY master_key_version
