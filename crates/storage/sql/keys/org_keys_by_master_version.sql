SELECT master_key_version, COUNT(*) AS n FROM org_keys GROUP BY master_key_version
