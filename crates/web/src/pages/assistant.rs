//! `/app/{org}/assistant`: where members and admins ask about their cash (SPEC §4: viewers may
//! not). Until an AI provider is configured, or while the organisation has AI turned off, the
//! page says so and how to change it (SPEC §7), and states what the assistant is sent.
//!
//! With the provider ready, the page shows the asker's conversations, the open one's messages
//! and a form. `/assets/assistant.js` (no inline script: the CSP allows none) posts the
//! question to the API and streams the answer in; without script the form posts here and the
//! page comes back with the whole answer in the conversation.

use super::{Chrome, private};
use crate::auth::extract::Member;
use crate::org_path::OrgPath;
use crate::{ApiError, AppState};
use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::rejection::{FormRejection, QueryRejection};
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use flowsense_service::ai::assistant::{
    self, AssistantError, AssistantEvent, Question, conversation,
};
use flowsense_service::orgs::lifecycle;
use flowsense_storage::MessageAuthor;
use serde::Deserialize;
use uuid::Uuid;

/// Why the assistant can or cannot answer here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Availability {
    /// The instance has no AI provider.
    NoProvider,
    /// An admin turned AI off for this organisation.
    TurnedOff,
    /// Answers come from this provider.
    Ready(String),
}

impl Availability {
    pub(crate) fn of(provider: Option<&str>, org_ai_enabled: bool) -> Self {
        match provider
            .map(str::trim)
            .filter(|p| !p.is_empty() && *p != "none")
        {
            None => Self::NoProvider,
            Some(_) if !org_ai_enabled => Self::TurnedOff,
            Some(p) => Self::Ready(p.to_owned()),
        }
    }
}

/// A conversation in the list.
pub(crate) struct Listed {
    id: Uuid,
    title: String,
    open: bool,
}

/// A message shown.
pub(crate) struct Shown {
    /// `You` or `Assistant`.
    who: &'static str,
    mine: bool,
    text: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "assistant.html")]
struct AssistantPage {
    chrome: Chrome,
    org_id: OrgPath,
    /// The organisation as the JSON API names it (by id), for the script's streamed answer.
    api_org: flowsense_core::OrgId,
    org_name: String,
    /// `Roasters'`, `Studio's`.
    org_possessive: String,
    availability: Availability,
    redact_names: bool,
    conversations: Vec<Listed>,
    open: Option<Uuid>,
    messages: Vec<Shown>,
    /// What stopped the last question (the allowance, a failure, an invalid question).
    problem: Option<String>,
    /// The question as typed, when it was refused.
    question: String,
    script_version: &'static str,
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct OpenQuery {
    /// The conversation to show.
    c: Option<Uuid>,
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct AskForm {
    #[serde(default)]
    question: String,
    #[serde(default)]
    conversation_id: String,
}

async fn render(
    state: &AppState,
    access: &Member,
    open: Option<Uuid>,
    problem: Option<String>,
    question: String,
    status: StatusCode,
) -> Result<Response, ApiError> {
    let org = lifecycle::organisation(state, access).await?;
    let availability = Availability::of(
        state.deployment.ai_provider.as_deref(),
        org.settings.ai_enabled,
    );
    let listed = conversation::list(state, access).await?;
    let messages = match open {
        Some(id) => conversation::messages(state, access, id)
            .await?
            .into_iter()
            .map(|m| Shown {
                who: if m.author == MessageAuthor::User {
                    "You"
                } else {
                    "Assistant"
                },
                mine: m.author == MessageAuthor::User,
                text: m.content,
            })
            .collect(),
        None => Vec::new(),
    };
    let page = AssistantPage {
        chrome: Chrome::for_user(state, &access.current, Some(access.org), "assistant").await?,
        org_id: access.path.clone(),
        api_org: access.org,
        org_possessive: flowsense_core::format::possessive(&org.name),
        org_name: org.name,
        availability,
        redact_names: org.settings.redact_names,
        conversations: listed
            .into_iter()
            .map(|c| Listed {
                open: Some(c.id) == open,
                id: c.id,
                title: c.title,
            })
            .collect(),
        open,
        messages,
        problem,
        question,
        script_version: super::assets::assistant_js_version(),
    };
    let mut response = private(page.into_response());
    *response.status_mut() = status;
    Ok(response)
}

/// `GET /app/{org}/assistant[?c=conversation]`.
pub(crate) async fn assistant(
    State(state): State<AppState>,
    access: Member,
    query: Result<Query<OpenQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    // A conversation id that is not one is no conversation of the asker's.
    let Query(OpenQuery { c: open }) = query.map_err(|_| ApiError::NotFound)?;
    render(&state, &access, open, None, String::new(), StatusCode::OK).await
}

/// `POST /app/{org}/assistant`: the form without script. The page comes back with the whole
/// answer in the conversation, or with what stopped it.
pub(crate) async fn ask(
    State(state): State<AppState>,
    access: Member,
    form: Result<Form<AskForm>, FormRejection>,
) -> Result<Response, ApiError> {
    let form = form.map(|Form(f)| f).unwrap_or_default();
    let open = match form.conversation_id.trim() {
        "" => None,
        id => Some(id.parse::<Uuid>().map_err(|_| ApiError::NotFound)?),
    };
    let prepared = assistant::prepare(
        &state,
        &access,
        Question {
            text: form.question.clone(),
            conversation: open,
        },
    )
    .await;
    let prepared = match prepared {
        Ok(p) => p,
        Err(AssistantError::Invalid(f)) => {
            return render(
                &state,
                &access,
                open,
                Some(f.message),
                form.question,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
        Err(e) => return Err(e.into()),
    };
    match assistant::answer(&state, prepared).await? {
        AssistantEvent::Done(d) => {
            render(
                &state,
                &access,
                Some(d.conversation),
                None,
                String::new(),
                StatusCode::OK,
            )
            .await
        }
        AssistantEvent::Stopped(s) => {
            render(
                &state,
                &access,
                open,
                Some(s.message()),
                form.question,
                crate::api::assistant::stopped_status(&s),
            )
            .await
        }
        AssistantEvent::Text(_) | AssistantEvent::ToolRan(_) => Err(ApiError::Unavailable),
    }
}

#[cfg(test)]
mod tests {
    use super::Availability;

    #[test]
    fn availability_follows_the_instance_and_the_organisation() {
        assert_eq!(Availability::of(None, true), Availability::NoProvider);
        assert_eq!(
            Availability::of(Some("none"), true),
            Availability::NoProvider
        );
        assert_eq!(Availability::of(Some(" "), false), Availability::NoProvider);
        assert_eq!(
            Availability::of(Some("anthropic"), false),
            Availability::TurnedOff
        );
        assert_eq!(
            Availability::of(Some("anthropic"), true),
            Availability::Ready("anthropic".into())
        );
    }
}
