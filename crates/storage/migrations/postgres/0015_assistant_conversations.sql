-- The assistant's conversations (0001: sealed with the organisation's key, row-level security,
-- deleted with their organisation) are read per user (the assistant page's list), purged by
-- age (the retention job deletes those not updated for 90 days at most), and their messages
-- are read per conversation, oldest first. Same file name and indexes as
-- ../sqlite/0015_assistant_conversations.sql.
CREATE INDEX conversations_by_user ON conversations (org_id, user_id, updated_at);
CREATE INDEX conversations_by_age ON conversations (org_id, updated_at);
CREATE INDEX conversation_messages_by_conversation ON conversation_messages (conversation_id, id);
