SELECT provider, tenant_id, status, sync_cursor, last_synced_at, last_error, synced_rows,
next_sync_at, token_version FROM connections WHERE id = $1 AND org_id = $2
