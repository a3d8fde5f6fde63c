SELECT id, user_id, purpose, provider, model, tools, figures_sent, rows_sent, input_tokens,
    output_tokens, outcome, created_at
FROM ai_calls WHERE org_id = $1 ORDER BY created_at, id
