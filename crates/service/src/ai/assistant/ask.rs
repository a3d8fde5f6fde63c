//! One question: what is asked ([`Question`]), checked by [`prepare`] (role, provider, the
//! organisation's AI switch, the question itself, the conversation it continues) before
//! anything is sent, and what its answer is made of ([`AssistantEvent`]: text, tools that ran,
//! then [`Done`] or [`Stopped`]). [`super::run`] answers it.

use super::conversation;
use crate::ai::usage::Allowance;
use crate::orgs::OrgAccess;
use crate::{Context, FieldError};
use chrono::NaiveDate;
use flowsense_ai::ChatModel;
use flowsense_core::Role;
use flowsense_storage::{ConversationMessage, Organisation, StorageError};
use std::sync::Arc;
use tokio::sync::mpsc;
use uuid::Uuid;

/// Longest question taken, in characters.
pub const MAX_QUESTION_CHARS: usize = 2_000;
/// Most model calls one question makes.
pub const MAX_ROUNDS: usize = 6;
/// Most tokens (in and out, every round) one question may use.
pub const MAX_QUESTION_TOKENS: u64 = 60_000;
/// Most earlier messages of the conversation sent with a question.
pub const MAX_HISTORY_MESSAGES: usize = 10;
/// Most tool calls run from one answer of the model.
pub const MAX_TOOL_CALLS_PER_ROUND: usize = 4;

/// What a member asks.
#[derive(Debug, Clone)]
pub struct Question {
    pub text: String,
    /// The conversation it continues (one of the asker's); `None` starts one.
    pub conversation: Option<Uuid>,
}

/// Why a question is not taken.
#[derive(Debug, thiserror::Error)]
pub enum AssistantError {
    /// Viewers may not ask (SPEC §4).
    #[error("only members and admins may ask the assistant")]
    RoleTooLow,
    /// The conversation is not one of the asker's.
    #[error("no such conversation")]
    ConversationNotFound,
    #[error(transparent)]
    Invalid(FieldError),
    /// The instance has no AI provider.
    #[error("no AI provider is configured")]
    NoProvider,
    /// An admin turned AI off for the organisation.
    #[error("AI is turned off for this organisation")]
    TurnedOff,
    #[error(transparent)]
    Storage(#[from] StorageError),
}

/// A question ready to be answered.
pub struct Prepared {
    pub(super) who: OrgAccess,
    pub(super) org: Organisation,
    pub(super) model: Arc<dyn ChatModel>,
    pub(super) question: String,
    pub(super) conversation: Option<Uuid>,
    pub(super) history: Vec<ConversationMessage>,
}

impl std::fmt::Debug for Prepared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Prepared")
            .field("org", &self.who.org)
            .field("conversation", &self.conversation)
            .finish_non_exhaustive()
    }
}

/// The end of an answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Done {
    pub conversation: Uuid,
    /// The whole answer, real names in it.
    pub answer: String,
    /// Tokens of every round.
    pub input_tokens: u64,
    pub output_tokens: u64,
    /// The tools that ran, in order.
    pub tools: Vec<String>,
    /// Calls made to the model.
    pub rounds: usize,
}

/// Why an answer stopped without one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stopped {
    /// The month's allowance is used (nothing more was sent).
    AllowanceUsed { renews_on: NaiveDate },
    /// The model failed or answered out of shape.
    ModelFailed,
}

impl Stopped {
    /// What the asker is told.
    #[must_use]
    pub fn message(&self) -> String {
        match self {
            Stopped::AllowanceUsed { renews_on } => Allowance::message(*renews_on),
            Stopped::ModelFailed => {
                "The assistant could not answer just now. Please try again in a moment.".into()
            }
        }
    }

    /// A stable code for the API.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            Stopped::AllowanceUsed { .. } => "ai_allowance_used",
            Stopped::ModelFailed => "ai_failed",
        }
    }
}

/// What an answer is made of, in order: text as it comes and each tool's name as it runs,
/// then [`AssistantEvent::Done`] or [`AssistantEvent::Stopped`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AssistantEvent {
    Text(String),
    ToolRan(String),
    Done(Done),
    Stopped(Stopped),
}

/// Checks a question: the asker a member or admin of the organisation, a provider configured
/// and AI on for the organisation, a question of 1 to [`MAX_QUESTION_CHARS`] characters, the
/// conversation (if any) one of the asker's, whose latest messages are read.
///
/// # Errors
/// [`AssistantError`]; nothing is sent.
pub async fn prepare(
    ctx: &Context,
    who: &OrgAccess,
    question: Question,
) -> Result<Prepared, AssistantError> {
    if !who.role.allows(Role::Member) {
        return Err(AssistantError::RoleTooLow);
    }
    let text = question.text.trim().to_owned();
    if text.is_empty() {
        return Err(AssistantError::Invalid(FieldError::new(
            "question",
            "Type a question first.",
        )));
    }
    if text.chars().count() > MAX_QUESTION_CHARS {
        return Err(AssistantError::Invalid(FieldError::new(
            "question",
            format!("Keep the question under {MAX_QUESTION_CHARS} characters."),
        )));
    }
    let Some(model) = ctx.providers.ai.clone() else {
        return Err(AssistantError::NoProvider);
    };
    let org = ctx.store.org(who.org).await?;
    if !org.settings.ai_enabled {
        return Err(AssistantError::TurnedOff);
    }
    let history = match question.conversation {
        Some(id) => conversation::latest(ctx, who, id, MAX_HISTORY_MESSAGES).await?,
        None => Vec::new(),
    };
    Ok(Prepared {
        who: who.clone(),
        org,
        model,
        question: text,
        conversation: question.conversation,
        history,
    })
}

/// Sends `event`; false when nobody listens any more (the asker went away).
pub(super) async fn emit(events: &mpsc::Sender<AssistantEvent>, event: AssistantEvent) -> bool {
    events.send(event).await.is_ok()
}
