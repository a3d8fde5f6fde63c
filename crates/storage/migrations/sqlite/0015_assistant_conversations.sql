-- The assistant's conversations are read per user and purged by age, and their messages are
-- read per conversation. Same file name and indexes as ../postgres/0015_assistant_conversations.sql.
CREATE INDEX conversations_by_user ON conversations (org_id, user_id, updated_at);
CREATE INDEX conversations_by_age ON conversations (org_id, updated_at);
CREATE INDEX conversation_messages_by_conversation ON conversation_messages (conversation_id, id);
