UPDATE connections SET sync_cursor = $1
WHERE id = $2 AND org_id = $3 AND provider = $4 AND status IN ('pending', 'active')
RETURNING tenant_id
