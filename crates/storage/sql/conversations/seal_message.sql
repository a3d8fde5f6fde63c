UPDATE conversation_messages SET content_enc = $1 WHERE id = $2 AND org_id = $3
