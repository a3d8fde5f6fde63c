-- How many values each data key has sealed (SECURITY-CHECKLIST F3). AES-GCM with random 96-bit
-- nonces stays safe to about 2^32 encryptions per key (NIST SP 800-38D); every seal adds one here
-- in the sealing transaction, and a key at its cap is rotated before it seals again. Keys created
-- before this migration start at 0 (their earlier seals were never counted; the cap leaves room).
-- Same file name, tables and columns as ../sqlite/0028_data_key_usage.sql.
ALTER TABLE org_keys ADD COLUMN seals BIGINT NOT NULL DEFAULT 0 CHECK (seals >= 0);
ALTER TABLE instance_keys ADD COLUMN seals BIGINT NOT NULL DEFAULT 0 CHECK (seals >= 0);
