SELECT value_enc FROM instance_secrets WHERE name = $1
