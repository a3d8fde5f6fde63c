-- Reads fail when the SQLCipher key is wrong.
SELECT count(*) FROM sqlite_master
