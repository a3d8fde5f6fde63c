SELECT id, org_id, email, role, invited_by, created_at, expires_at, accepted_at FROM invitations WHERE org_id = $1 AND id = $2
