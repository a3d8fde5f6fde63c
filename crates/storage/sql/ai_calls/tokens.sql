SELECT purpose, model,
    CAST(SUM(input_tokens) AS BIGINT) AS input_tokens,
    CAST(SUM(output_tokens) AS BIGINT) AS output_tokens
FROM ai_calls GROUP BY purpose, model
ORDER BY purpose, model
