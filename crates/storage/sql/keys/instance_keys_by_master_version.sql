SELECT master_key_version, COUNT(*) AS n FROM instance_keys GROUP BY master_key_version
