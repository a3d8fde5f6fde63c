SELECT id FROM connections WHERE org_id = $1 AND status = 'active' ORDER BY created_at, id
