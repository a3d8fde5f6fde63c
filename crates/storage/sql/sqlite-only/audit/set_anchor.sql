UPDATE audit_chains SET anchor_id = $2, anchor_hash = $3 WHERE org_id = $1
