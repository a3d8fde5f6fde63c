DELETE FROM invitations WHERE org_id = $1 AND id = $2 AND accepted_at IS NULL
