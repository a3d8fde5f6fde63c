DELETE FROM webhook_deliveries WHERE seen_at < $1
