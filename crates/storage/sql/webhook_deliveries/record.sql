INSERT INTO webhook_deliveries (provider, delivery_id, seen_at) VALUES ($1, $2, $3)
ON CONFLICT (provider, delivery_id) DO NOTHING
