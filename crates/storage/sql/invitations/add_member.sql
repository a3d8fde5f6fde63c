INSERT INTO memberships (org_id, user_id, role, created_at)
SELECT org_id, $3, role, $4 FROM invitations WHERE org_id = $1 AND id = $2
ON CONFLICT (org_id, user_id) DO NOTHING
