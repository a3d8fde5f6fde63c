//! Assistant conversations: titles and message contents are stored only sealed with the
//! organisation's data key, bound to their row.

use crate::Store;
use crate::args::sql;
use crate::crypto::{FieldRef, KeyScope};
use crate::error::{Result, StorageError};
use chrono::{DateTime, Utc};
use flowsense_core::{OrgId, UserId};
use uuid::Uuid;

/// Who wrote a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MessageAuthor {
    User,
    Assistant,
    Tool,
}

impl MessageAuthor {
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            MessageAuthor::User => "user",
            MessageAuthor::Assistant => "assistant",
            MessageAuthor::Tool => "tool",
        }
    }

    fn parse(s: &str) -> Result<Self> {
        match s {
            "user" => Ok(MessageAuthor::User),
            "assistant" => Ok(MessageAuthor::Assistant),
            "tool" => Ok(MessageAuthor::Tool),
            other => Err(StorageError::Corrupt(format!(
                "unknown message author {other:?}"
            ))),
        }
    }
}

/// One decrypted message. `Debug` leaves the content out (it is customer data).
#[derive(Clone, PartialEq, Eq)]
pub struct ConversationMessage {
    pub id: i64,
    pub author: MessageAuthor,
    pub content: String,
    pub created_at: DateTime<Utc>,
}

impl std::fmt::Debug for ConversationMessage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConversationMessage")
            .field("id", &self.id)
            .field("author", &self.author)
            .field("content_len", &self.content.len())
            .finish_non_exhaustive()
    }
}

#[derive(sqlx::FromRow)]
struct MessageRow {
    id: i64,
    author: String,
    content_enc: Vec<u8>,
    created_at: DateTime<Utc>,
}

#[derive(sqlx::FromRow)]
struct NewId {
    id: i64,
}

fn utf8(bytes: &[u8]) -> Result<String> {
    String::from_utf8(bytes.to_vec())
        .map_err(|_| StorageError::Corrupt("a decrypted message is not UTF-8".into()))
}

impl Store {
    /// Starts a conversation of `user` in `org` with a (sealed) title; returns its id.
    ///
    /// # Errors
    /// A database failure (e.g. the user does not exist).
    pub async fn create_conversation(&self, org: OrgId, user: UserId, title: &str) -> Result<Uuid> {
        self.create_conversation_at(org, user, title, Utc::now())
            .await
    }

    /// [`Store::create_conversation`] at `now` (the caller's clock).
    ///
    /// # Errors
    /// A database failure (e.g. the user does not exist).
    pub async fn create_conversation_at(
        &self,
        org: OrgId,
        user: UserId,
        title: &str,
        now: DateTime<Utc>,
    ) -> Result<Uuid> {
        let id = Uuid::new_v4();
        let row = id.to_string();
        let mut tx = self.scoped(org).await?;
        let title_enc = self
            .seal_in(
                &mut tx,
                KeyScope::Org(org),
                &FieldRef::new("conversations", "title_enc", &row),
                title.as_bytes(),
            )
            .await?;
        tx.execute(
            sql!("conversations/create")
                .arg(id)
                .arg(org)
                .arg(user)
                .arg(title_enc)
                .arg(now),
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Appends a message; its content is sealed and bound to the new row's id. Returns the id.
    ///
    /// # Errors
    /// `NotFound` when the organisation has no such conversation.
    pub async fn append_conversation_message(
        &self,
        org: OrgId,
        conversation: Uuid,
        author: MessageAuthor,
        content: &str,
    ) -> Result<i64> {
        self.append_conversation_message_at(org, conversation, author, content, Utc::now())
            .await
    }

    /// [`Store::append_conversation_message`] at `now` (the caller's clock), which is also
    /// when the conversation was last updated (its age for the retention purge).
    ///
    /// # Errors
    /// `NotFound` when the organisation has no such conversation.
    pub async fn append_conversation_message_at(
        &self,
        org: OrgId,
        conversation: Uuid,
        author: MessageAuthor,
        content: &str,
        now: DateTime<Utc>,
    ) -> Result<i64> {
        let mut tx = self.scoped(org).await?;
        let touched = tx
            .execute(
                sql!("conversations/touch")
                    .arg(now)
                    .arg(conversation)
                    .arg(org),
            )
            .await?;
        if touched == 0 {
            return Err(StorageError::NotFound);
        }
        // The id binds the ciphertext, so insert first and seal into the row in the same
        // transaction; the empty placeholder is never visible outside it.
        let NewId { id } = tx
            .fetch_one(
                sql!("conversations/append_message")
                    .arg(org)
                    .arg(conversation)
                    .arg(author.as_str())
                    .arg(Vec::<u8>::new())
                    .arg(now),
            )
            .await?;
        let row = id.to_string();
        let sealed = self
            .seal_in(
                &mut tx,
                KeyScope::Org(org),
                &FieldRef::new("conversation_messages", "content_enc", &row),
                content.as_bytes(),
            )
            .await?;
        tx.execute(
            sql!("conversations/seal_message")
                .arg(sealed)
                .arg(id)
                .arg(org),
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Whether `conversation` is one of `user`'s in `org` (another member's, another
    /// organisation's and a missing one alike are not).
    ///
    /// # Errors
    /// A database failure.
    pub async fn owns_conversation(
        &self,
        org: OrgId,
        user: UserId,
        conversation: Uuid,
    ) -> Result<bool> {
        let mut tx = self.scoped_read(org).await?;
        let found: Option<(Uuid,)> = tx
            .fetch_optional(
                sql!("conversations/owned")
                    .arg(org)
                    .arg(conversation)
                    .arg(user),
            )
            .await?;
        tx.commit().await?;
        Ok(found.is_some())
    }

    /// A conversation's messages, oldest first, decrypted.
    ///
    /// # Errors
    /// `Crypto(..)` when a stored message does not decrypt.
    pub async fn conversation_messages(
        &self,
        org: OrgId,
        conversation: Uuid,
    ) -> Result<Vec<ConversationMessage>> {
        let mut tx = self.scoped_read(org).await?;
        let rows: Vec<MessageRow> = tx
            .fetch_all(sql!("conversations/messages").arg(org).arg(conversation))
            .await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            let row = r.id.to_string();
            let plain = self
                .open_in(
                    &mut tx,
                    KeyScope::Org(org),
                    &FieldRef::new("conversation_messages", "content_enc", &row),
                    &r.content_enc,
                )
                .await?;
            out.push(ConversationMessage {
                id: r.id,
                author: MessageAuthor::parse(&r.author)?,
                content: utf8(&plain)?,
                created_at: r.created_at,
            });
        }
        tx.commit().await?;
        Ok(out)
    }
}
