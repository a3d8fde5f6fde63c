SELECT id, title_enc, created_at, updated_at FROM conversations
WHERE org_id = $1 AND user_id = $2 ORDER BY created_at, id
