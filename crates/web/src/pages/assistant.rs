//! `/app/{org}/assistant`: where members and admins ask about their cash (SPEC §4: viewers may
//! not). Until an AI provider is configured, or while the organisation has AI turned off, the
//! page says so and how to change it (SPEC §7), and states what the assistant would be sent.

use super::{Chrome, private};
use crate::auth::extract::Member;
use crate::{ApiError, AppState};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use flowsense_core::OrgId;
use flowsense_service::orgs::lifecycle;

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

#[derive(Template, WebTemplate)]
#[template(path = "assistant.html")]
struct AssistantPage {
    chrome: Chrome,
    org_id: OrgId,
    org_name: String,
    /// `Roasters'`, `Studio's`.
    org_possessive: String,
    availability: Availability,
    redact_names: bool,
}

/// `GET /app/{org}/assistant`.
pub(crate) async fn assistant(
    State(state): State<AppState>,
    access: Member,
) -> Result<Response, ApiError> {
    let org = lifecycle::organisation(&state, &access).await?;
    let availability = Availability::of(
        state.deployment.ai_provider.as_deref(),
        org.settings.ai_enabled,
    );
    let page = AssistantPage {
        chrome: Chrome::for_user(&state, &access.current, Some(access.org), "assistant").await?,
        org_id: access.org,
        org_possessive: flowsense_core::format::possessive(&org.name),
        org_name: org.name,
        availability,
        redact_names: org.settings.redact_names,
    };
    Ok(private(page.into_response()))
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
