DELETE FROM invitations WHERE org_id = $1 AND accepted_at IS NULL AND expires_at < $2
