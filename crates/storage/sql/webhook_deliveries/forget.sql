DELETE FROM webhook_deliveries WHERE provider = $1 AND delivery_id = $2
