-- Notification preferences (SPEC §6 digests): one row per membership that chose something; no
-- row means the defaults (weekly digest on). Same file name, tables and columns as
-- ../postgres/0005_notification_prefs.sql. The foreign key onto the membership removes a
-- person's preferences for an organisation when they leave it or their account is deleted.
CREATE TABLE notification_prefs (
    org_id BLOB NOT NULL,
    user_id BLOB NOT NULL,
    weekly_digest INTEGER NOT NULL DEFAULT 1,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (org_id, user_id),
    FOREIGN KEY (org_id, user_id) REFERENCES memberships (org_id, user_id) ON DELETE CASCADE
) STRICT;
