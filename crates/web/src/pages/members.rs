//! `/app/{org}/members`: who belongs to the organisation, open invitations, and the forms that
//! invite, change roles, remove members and hand over ownership (admins only).

use super::step_up::{Pending, Proof, StepUp, step_up_in_org};
use super::{Chrome, private};
use crate::auth::{Admin, ClientInfo};
use crate::org_path::OrgPath;
use crate::respond::with_session;
use crate::{ApiError, AppState, ErrorCode};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::rejection::FormRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Form, extract::rejection::QueryRejection};
use flowsense_core::Role;
use flowsense_service::orgs::lifecycle;
use flowsense_service::orgs::members::{self, InviteInput, TransferInput};
use serde::Deserialize;

pub(crate) struct MemberRow {
    id: String,
    name: String,
    email: String,
    role: &'static str,
    mfa: bool,
    joined: String,
    is_me: bool,
}

pub(crate) struct InvitationRow {
    id: String,
    email: String,
    role: &'static str,
    expires: String,
    expired: bool,
}

/// What the invite form holds (kept when it is refused).
#[derive(Debug, Default, Deserialize)]
pub(crate) struct InviteForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    role: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "members.html")]
struct MembersPage {
    chrome: Chrome,
    csrf: String,
    org_id: OrgPath,
    org_name: String,
    members: Vec<MemberRow>,
    invitations: Vec<InvitationRow>,
    notice: Option<&'static str>,
    error: Option<String>,
    invite: InviteForm,
}

const ROLES: [&str; 3] = ["admin", "member", "viewer"];

fn role_name(role: Role) -> &'static str {
    match role {
        Role::Admin => "admin",
        Role::Member => "member",
        Role::Viewer => "viewer",
    }
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct Notice {
    #[serde(default)]
    done: String,
}

fn notice_text(done: &str) -> Option<&'static str> {
    Some(match done {
        "invited" => "Invitation sent. It is valid for 7 days.",
        "role_changed" => "Role changed.",
        "removed" => "Member removed.",
        "transferred" => "Ownership transferred.",
        "revoked" => "Invitation revoked: its link no longer works.",
        "signed_out" => "The member was signed out of every session.",
        _ => return None,
    })
}

/// Renders the page with an outcome, keeping what the invite form held.
async fn render(
    state: &AppState,
    who: &Admin,
    status: StatusCode,
    notice: Option<&'static str>,
    error: Option<String>,
    invite: InviteForm,
) -> Result<Response, ApiError> {
    let org = lifecycle::organisation(state, who).await?;
    let members = members::list(state, who).await?;
    let invitations = members::open_invitations(state, who).await?;
    let now = state.now();
    let chrome = Chrome::for_user(state, &who.current, Some(who.org), "members").await?;
    let page = MembersPage {
        csrf: chrome.csrf_token.clone().unwrap_or_default(),
        chrome,
        org_id: who.path.clone(),
        org_name: org.name,
        members: members
            .into_iter()
            .map(|m| MemberRow {
                id: m.user_id.to_string(),
                is_me: m.user_id == who.user,
                name: m.display_name,
                email: m.email,
                role: role_name(m.role),
                mfa: m.mfa_enabled,
                joined: m.joined_at.format("%Y-%m-%d").to_string(),
            })
            .collect(),
        invitations: invitations
            .into_iter()
            .map(|i| InvitationRow {
                id: i.id.to_string(),
                email: i.email,
                role: role_name(i.role),
                expires: i.expires_at.format("%Y-%m-%d %H:%M UTC").to_string(),
                expired: i.expires_at <= now,
            })
            .collect(),
        notice,
        error,
        invite,
    };
    Ok(private((status, page).into_response()))
}

/// What a refused action says on the page, and with which status.
fn refusal(e: impl Into<ApiError>) -> Result<(StatusCode, String), ApiError> {
    let e: ApiError = e.into();
    let message = match &e {
        ApiError::Conflict(ErrorCode::LastAdmin) => {
            "An organisation must keep at least one admin: make someone else an admin first."
                .to_owned()
        }
        ApiError::Unprocessable(m) | ApiError::Field { message: m, .. } => super::sentence(m),
        ApiError::NotFound => "That person is not a member of this organisation.".to_owned(),
        _ => return Err(e),
    };
    Ok((e.status(), message))
}

fn back(org: &OrgPath, done: &str) -> Response {
    private(Redirect::to(&format!("/app/{org}/members?done={done}")).into_response())
}

/// `GET /app/{org}/members`.
pub(crate) async fn page(
    State(state): State<AppState>,
    who: Admin,
    query: Result<Query<Notice>, QueryRejection>,
) -> Result<Response, ApiError> {
    let notice = query.ok().and_then(|Query(q)| notice_text(&q.done));
    render(
        &state,
        &who,
        StatusCode::OK,
        notice,
        None,
        InviteForm::default(),
    )
    .await
}

fn parse_role(raw: &str) -> Result<Role, ApiError> {
    raw.trim()
        .parse()
        .map_err(|_| ApiError::Unprocessable("choose a role: admin, member or viewer".into()))
}

/// `POST /app/{org}/members/invite`: e-mail and role.
pub(crate) async fn invite(
    State(state): State<AppState>,
    who: Admin,
    client: ClientInfo,
    form: Result<Form<InviteForm>, FormRejection>,
) -> Result<Response, ApiError> {
    let form = form.map(|Form(f)| f).unwrap_or_default();
    let result = match parse_role(&form.role) {
        Ok(role) => {
            let input = InviteInput {
                email: form.email.clone(),
                role,
            };
            members::invite(&state, &who, input, &client)
                .await
                .map(|_| ())
                .map_err(ApiError::from)
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(()) => Ok(back(&who.path, "invited")),
        Err(e) => {
            let (status, message) = refusal(e)?;
            render(&state, &who, status, None, Some(message), form).await
        }
    }
}

/// `POST /app/{org}/invitations/{id}/revoke`.
pub(crate) async fn revoke_invitation(
    State(state): State<AppState>,
    who: Admin,
    client: ClientInfo,
    Path((_, id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    members::revoke_invitation(&state, &who, &id, &client).await?;
    Ok(back(&who.path, "revoked"))
}

/// `POST /app/{org}/members/{user}/sign-out`: ends every session of a member.
pub(crate) async fn sign_out(
    State(state): State<AppState>,
    who: Admin,
    client: ClientInfo,
    Path((_, user)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    members::end_sessions(&state, &who, &user, &client).await?;
    Ok(back(&who.path, "signed_out"))
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct RoleForm {
    #[serde(default)]
    role: String,
    #[serde(flatten)]
    proof: Proof,
}

/// `POST /app/{org}/members/{user}/role` (step-up).
pub(crate) async fn change_role(
    State(state): State<AppState>,
    who: Admin,
    client: ClientInfo,
    Path((_, user)): Path<(String, String)>,
    form: Result<Form<RoleForm>, FormRejection>,
) -> Result<Response, ApiError> {
    let form = form.map(|Form(f)| f).unwrap_or_default();
    let role = match parse_role(&form.role) {
        Ok(r) => r,
        Err(e) => return refused(&state, &who, e).await,
    };
    let pending = Pending {
        action: format!("/app/{}/members/{user}/role", who.path),
        what: "change a member’s role",
        cancel: format!("/app/{}/members", who.path),
        fields: vec![("role", role_name(role).to_owned())],
    };
    let issued = match step_up_in_org(&state, &who, &client, form.proof, pending).await? {
        StepUp::Proceed(issued) => issued,
        StepUp::Ask(page) => return Ok(page),
    };
    match members::change_role(&state, &who, &user, role, &client).await {
        Ok(_) => Ok(with_session(
            &state,
            issued.as_ref(),
            back(&who.path, "role_changed"),
        )),
        Err(e) => refused(&state, &who, e)
            .await
            .map(|r| with_session(&state, issued.as_ref(), r)),
    }
}

async fn refused(
    state: &AppState,
    who: &Admin,
    e: impl Into<ApiError>,
) -> Result<Response, ApiError> {
    let (status, message) = refusal(e)?;
    render(
        state,
        who,
        status,
        None,
        Some(message),
        InviteForm::default(),
    )
    .await
}

/// `POST /app/{org}/members/{user}/remove` (step-up).
pub(crate) async fn remove(
    State(state): State<AppState>,
    who: Admin,
    client: ClientInfo,
    Path((_, user)): Path<(String, String)>,
    form: Result<Form<Proof>, FormRejection>,
) -> Result<Response, ApiError> {
    let proof = form.map(|Form(f)| f).unwrap_or_default();
    let pending = Pending {
        action: format!("/app/{}/members/{user}/remove", who.path),
        what: "remove a member",
        cancel: format!("/app/{}/members", who.path),
        fields: Vec::new(),
    };
    let issued = match step_up_in_org(&state, &who, &client, proof, pending).await? {
        StepUp::Proceed(issued) => issued,
        StepUp::Ask(page) => return Ok(page),
    };
    match members::remove(&state, &who, &user, &client).await {
        Ok(()) => Ok(with_session(
            &state,
            issued.as_ref(),
            back(&who.path, "removed"),
        )),
        Err(e) => refused(&state, &who, e)
            .await
            .map(|r| with_session(&state, issued.as_ref(), r)),
    }
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct TransferForm {
    #[serde(default)]
    user: String,
    /// `member` or `viewer` to step down; empty to stay an admin.
    #[serde(default)]
    demote_self_to: String,
    #[serde(flatten)]
    proof: Proof,
}

/// `POST /app/{org}/members/transfer` (step-up): makes another member an admin, optionally
/// stepping the caller down.
pub(crate) async fn transfer(
    State(state): State<AppState>,
    who: Admin,
    client: ClientInfo,
    form: Result<Form<TransferForm>, FormRejection>,
) -> Result<Response, ApiError> {
    let form = form.map(|Form(f)| f).unwrap_or_default();
    let demote = match form.demote_self_to.trim() {
        "" | "admin" => None,
        other => match parse_role(other) {
            Ok(r) => Some(r),
            Err(e) => return refused(&state, &who, e).await,
        },
    };
    if form.user.trim().is_empty() {
        let e = ApiError::Unprocessable("choose the member who becomes an admin".into());
        return refused(&state, &who, e).await;
    }
    let pending = Pending {
        action: format!("/app/{}/members/transfer", who.path),
        what: "transfer ownership",
        cancel: format!("/app/{}/members", who.path),
        fields: vec![
            ("user", form.user.trim().to_owned()),
            (
                "demote_self_to",
                demote.map(role_name).unwrap_or("").to_owned(),
            ),
        ],
    };
    let issued = match step_up_in_org(&state, &who, &client, form.proof, pending).await? {
        StepUp::Proceed(issued) => issued,
        StepUp::Ask(page) => return Ok(page),
    };
    let input = TransferInput {
        user: form.user.trim().to_owned(),
        demote_self_to: demote,
    };
    match members::transfer_ownership(&state, &who, input, &client).await {
        // Stepping down may end the caller's access to this page: go where they still belong.
        Ok(()) if demote.is_some() => Ok(with_session(
            &state,
            issued.as_ref(),
            private(Redirect::to(&format!("/app/{}", who.path)).into_response()),
        )),
        Ok(()) => Ok(with_session(
            &state,
            issued.as_ref(),
            back(&who.path, "transferred"),
        )),
        Err(e) => refused(&state, &who, e)
            .await
            .map(|r| with_session(&state, issued.as_ref(), r)),
    }
}

impl MembersPage {
    fn roles(&self) -> [&'static str; 3] {
        ROLES
    }
}
