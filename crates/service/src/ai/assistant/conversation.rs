//! The asker's conversations with the assistant, kept sealed with the organisation's key and
//! deleted by the retention job after at most 90 days: each question and its whole answer
//! (real names in it). A conversation is its asker's: another member of the organisation, and
//! anyone outside it, finds none.

use super::ask::AssistantError;
use crate::Context;
use crate::orgs::OrgAccess;
use flowsense_storage::{ConversationMessage, ConversationSummary, MessageAuthor, StorageError};
use uuid::Uuid;

/// Longest title kept for a conversation (its first question, cut short).
const TITLE_CHARS: usize = 80;
/// Most conversations listed on the page.
pub const MAX_LISTED: usize = 20;

/// The latest `limit` messages of `who`'s conversation `id`, oldest first.
///
/// # Errors
/// [`AssistantError::ConversationNotFound`] for a conversation that is not `who`'s.
pub async fn latest(
    ctx: &Context,
    who: &OrgAccess,
    id: Uuid,
    limit: usize,
) -> Result<Vec<ConversationMessage>, AssistantError> {
    let mut all = messages(ctx, who, id).await?;
    let skip = all.len().saturating_sub(limit);
    Ok(all.split_off(skip))
}

/// Every message of `who`'s conversation `id`, oldest first.
///
/// # Errors
/// [`AssistantError::ConversationNotFound`] for a conversation that is not `who`'s.
pub async fn messages(
    ctx: &Context,
    who: &OrgAccess,
    id: Uuid,
) -> Result<Vec<ConversationMessage>, AssistantError> {
    if !ctx.store.owns_conversation(who.org, who.user, id).await? {
        return Err(AssistantError::ConversationNotFound);
    }
    Ok(ctx.store.conversation_messages(who.org, id).await?)
}

/// `who`'s conversations in the organisation, latest first, at most [`MAX_LISTED`].
///
/// # Errors
/// A database failure.
pub async fn list(
    ctx: &Context,
    who: &OrgAccess,
) -> Result<Vec<ConversationSummary>, StorageError> {
    let mut all = ctx.store.conversations_of_user(who.org, who.user).await?;
    all.sort_by(|a, b| b.updated_at.cmp(&a.updated_at).then(b.id.cmp(&a.id)));
    all.truncate(MAX_LISTED);
    Ok(all)
}

/// Keeps `question` and `answer` in `who`'s conversation `id`, or in a new one titled with the
/// question; returns the conversation's id.
///
/// # Errors
/// A database failure; `ConversationNotFound` when the conversation went meanwhile (purged).
pub async fn keep(
    ctx: &Context,
    who: &OrgAccess,
    id: Option<Uuid>,
    question: &str,
    answer: &str,
) -> Result<Uuid, StorageError> {
    let now = ctx.now();
    let id = match id {
        Some(id) => id,
        None => {
            let mut title: String = question.chars().take(TITLE_CHARS).collect();
            if question.chars().count() > TITLE_CHARS {
                title.push('…');
            }
            ctx.store
                .create_conversation_at(who.org, who.user, &title, now)
                .await?
        }
    };
    ctx.store
        .append_conversation_message_at(who.org, id, MessageAuthor::User, question, now)
        .await?;
    ctx.store
        .append_conversation_message_at(who.org, id, MessageAuthor::Assistant, answer, now)
        .await?;
    Ok(id)
}
