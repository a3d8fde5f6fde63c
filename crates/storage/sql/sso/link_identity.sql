INSERT INTO user_identities (issuer, subject, user_id, created_at, last_used_at)
VALUES ($1, $2, $3, $4, $4)
