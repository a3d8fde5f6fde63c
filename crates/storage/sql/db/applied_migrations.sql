SELECT version, description FROM _sqlx_migrations WHERE success ORDER BY version
