DELETE FROM mapping_presets WHERE org_id = $1 AND account_id = $2
