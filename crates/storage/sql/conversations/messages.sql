SELECT id, author, content_enc, created_at FROM conversation_messages
WHERE org_id = $1 AND conversation_id = $2 ORDER BY id
