SELECT id FROM conversations WHERE org_id = $1 AND id = $2 AND user_id = $3
