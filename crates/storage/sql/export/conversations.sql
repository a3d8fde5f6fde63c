SELECT id, user_id, title_enc, created_at, updated_at FROM conversations
WHERE org_id = $1 ORDER BY created_at, id
