DELETE FROM pending_grants WHERE org_id = $1 AND session_hash = $2 AND provider = $3
