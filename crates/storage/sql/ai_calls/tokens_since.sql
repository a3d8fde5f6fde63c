SELECT CAST(COALESCE(SUM(input_tokens + output_tokens), 0) AS BIGINT) AS tokens
FROM ai_calls WHERE org_id = $1 AND created_at >= $2
