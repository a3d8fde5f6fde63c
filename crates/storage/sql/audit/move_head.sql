UPDATE audit_chains SET head_id = $2, head_hash = $3 WHERE org_id = $1
