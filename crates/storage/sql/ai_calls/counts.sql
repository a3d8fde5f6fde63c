SELECT purpose, outcome, COUNT(*) AS calls FROM ai_calls GROUP BY purpose, outcome
ORDER BY purpose, outcome
