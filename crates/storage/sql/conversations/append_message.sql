INSERT INTO conversation_messages (org_id, conversation_id, author, content_enc, created_at)
VALUES ($1, $2, $3, $4, $5) RETURNING id
