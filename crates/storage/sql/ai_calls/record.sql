INSERT INTO ai_calls (id, org_id, user_id, purpose, provider, model, tools, figures_sent, rows_sent,
input_tokens, output_tokens, outcome, created_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
