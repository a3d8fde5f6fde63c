DELETE FROM cron_nonces WHERE seen_at < $1
