-- PostgreSQL's row-level security policies read their settings once per statement (see
-- ../postgres/0033_policies_read_settings_once.sql). SQLite has no row-level security: nothing
-- changes here; the file keeps both migration lists numbered alike.
SELECT 1;
