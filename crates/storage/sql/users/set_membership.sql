INSERT INTO memberships (org_id, user_id, role, created_at) VALUES ($1, $2, $3, $4)
ON CONFLICT (org_id, user_id) DO UPDATE SET role = excluded.role
