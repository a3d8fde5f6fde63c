DELETE FROM conversations WHERE org_id = $1 AND updated_at < $2
