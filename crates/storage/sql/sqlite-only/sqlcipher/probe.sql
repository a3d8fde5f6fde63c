-- Reads fail when the SQLCipher key is wrong.
SELECT count(*) AS n FROM sqlite_master
