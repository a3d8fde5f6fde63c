SELECT sealed_after, head_id, head_hash, anchor_id, anchor_hash FROM audit_chains WHERE org_id = $1
