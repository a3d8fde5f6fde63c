INSERT INTO users (id, email, display_name, password_hash, created_at, updated_at)
VALUES ($1, $2, $3, $4, $5, $5)
