DELETE FROM ai_calls WHERE created_at < $1
