-- PostgreSQL replaces the row-by-row foreign key from transactions to bank accounts with a check
-- made once per statement (see ../postgres/0007_set_based_account_check.sql). SQLite keeps the
-- declared foreign key: its check is a direct index probe, cheap per row. Nothing changes here;
-- the file keeps both migration lists numbered alike.
SELECT 1;
