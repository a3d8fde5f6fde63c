//! One error type for every handler, with one status mapping and one response shape:
//! `{"error": {"code", "message"}}`. 4xx carry a safe message; 5xx log the cause chain and
//! answer with a generic body.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use flowsense_core::ErrorChain;
use flowsense_import::ImportError;
use flowsense_service::analysis::AnalysisError;
use flowsense_service::imports::ImportFailure;
use flowsense_storage::StorageError;

/// Every error answer of the JSON API: `{"error": {"code", "message"}}`, with `field` when one
/// form value was refused.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

/// What went wrong.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct ErrorDetail {
    /// A stable machine-readable code: `not_found`, `unauthenticated`, `csrf`,
    /// `reauthentication_required`, `invalid`, `rate_limited`, ...
    pub code: &'static str,
    /// A message safe to show the user.
    pub message: String,
    /// The refused form value, when the answer is about one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<&'static str>,
}

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("not found")]
    NotFound,
    #[error("{0}")]
    BadRequest(String),
    /// Not signed in, or the credentials did not check out. The code says which, never why.
    #[error("{}", .0.message())]
    Unauthorized(ErrorCode),
    /// Signed in, but not allowed to do this.
    #[error("{}", .0.message())]
    Forbidden(ErrorCode),
    #[error("{}", .0.message())]
    Conflict(ErrorCode),
    /// The input was understood but is not acceptable (validation).
    #[error("{0}")]
    Unprocessable(String),
    /// One form value was refused: 422 naming the `field`, so a form can show the message
    /// beside it; the code says why (`invalid`, or a specific one such as `slug_taken`).
    #[error("{message}")]
    Field {
        code: ErrorCode,
        field: &'static str,
        message: String,
    },
    /// The body is larger than the route accepts; the message says how large it may be.
    #[error("{0}")]
    PayloadTooLarge(String),
    /// The organisation's plan allows no more of this: 402 with what the plan allows and how to
    /// lift it.
    #[error("{0}")]
    PlanLimit(String),
    #[error("too many attempts; try again later")]
    TooManyRequests { retry_after_secs: u64 },
    #[error("service unavailable")]
    Unavailable,
    #[error("internal error")]
    Internal(#[source] Box<dyn std::error::Error + Send + Sync>),
}

/// Every code a 401, 403, 409 or field-naming 422 answer can carry, each with its fixed, safe
/// message: a new code is a new variant, so a typo does not compile and no code goes without
/// its message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorCode {
    Unauthenticated,
    InvalidCredentials,
    TotpRequired,
    Csrf,
    ReadOnlyToken,
    MfaRequired,
    ReauthenticationRequired,
    SessionRequired,
    EmailNotVerified,
    InvitationEmailMismatch,
    LastAdmin,
    SoleAdmin,
    InvitationUsed,
    InvitationExpired,
    EmailAlreadyVerified,
    MfaAlreadyEnabled,
    MfaNotPending,
    SlugTaken,
    Invalid,
    Conflict,
    Forbidden,
    SignupClosed,
    SsoRequired,
    InvitationRequired,
    AiUnavailable,
}

impl ErrorCode {
    /// The code as the JSON answer names it.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::Unauthenticated => "unauthenticated",
            ErrorCode::InvalidCredentials => "invalid_credentials",
            ErrorCode::TotpRequired => "totp_required",
            ErrorCode::Csrf => "csrf",
            ErrorCode::ReadOnlyToken => "read_only_token",
            ErrorCode::MfaRequired => "mfa_required",
            ErrorCode::ReauthenticationRequired => "reauthentication_required",
            ErrorCode::SessionRequired => "session_required",
            ErrorCode::EmailNotVerified => "email_not_verified",
            ErrorCode::InvitationEmailMismatch => "invitation_email_mismatch",
            ErrorCode::LastAdmin => "last_admin",
            ErrorCode::SoleAdmin => "sole_admin",
            ErrorCode::InvitationUsed => "invitation_used",
            ErrorCode::InvitationExpired => "invitation_expired",
            ErrorCode::EmailAlreadyVerified => "email_already_verified",
            ErrorCode::MfaAlreadyEnabled => "mfa_already_enabled",
            ErrorCode::MfaNotPending => "mfa_not_pending",
            ErrorCode::SlugTaken => "slug_taken",
            ErrorCode::Invalid => "invalid",
            ErrorCode::Conflict => "conflict",
            ErrorCode::Forbidden => "forbidden",
            ErrorCode::SignupClosed => "signup_closed",
            ErrorCode::SsoRequired => "sso_required",
            ErrorCode::InvitationRequired => "invitation_required",
            ErrorCode::AiUnavailable => "ai_unavailable",
        }
    }

    /// What the user is told.
    #[must_use]
    pub fn message(self) -> &'static str {
        match self {
            ErrorCode::Unauthenticated => "sign in to continue",
            ErrorCode::InvalidCredentials => "the e-mail address, password or code is not correct",
            ErrorCode::TotpRequired => "enter the code from your authenticator app",
            ErrorCode::Csrf => {
                "the request did not carry a valid CSRF token or came from another site"
            }
            ErrorCode::ReadOnlyToken => "this API token is read-only",
            ErrorCode::MfaRequired => {
                "this organisation requires two-factor authentication; enable it first"
            }
            ErrorCode::ReauthenticationRequired => "confirm your password to continue",
            ErrorCode::SessionRequired => "this action needs a browser session, not an API token",
            ErrorCode::EmailNotVerified => "verify your e-mail address first",
            ErrorCode::InvitationEmailMismatch => {
                "this invitation was sent to another e-mail address"
            }
            ErrorCode::LastAdmin => "an organisation must keep at least one admin",
            ErrorCode::SoleAdmin => {
                "you are the only admin of an organisation that has other members; make another member an admin first"
            }
            ErrorCode::InvitationUsed => "this invitation has already been used",
            ErrorCode::InvitationExpired => "this invitation has expired",
            ErrorCode::EmailAlreadyVerified => "your e-mail address is already confirmed",
            ErrorCode::MfaAlreadyEnabled => "two-factor authentication is already enabled",
            ErrorCode::MfaNotPending => "start the enrolment first",
            ErrorCode::SlugTaken => "that organisation slug is taken",
            ErrorCode::Invalid => "a value in the request is not acceptable",
            ErrorCode::Conflict => "the request conflicts with the current state",
            ErrorCode::Forbidden => "you are not allowed to do this",
            ErrorCode::SsoRequired => {
                "your organisation requires single sign-on: sign in with your identity provider instead of a password"
            }
            ErrorCode::SignupClosed => {
                "sign-up is closed on this instance; ask its operator or an admin of your organisation for an account"
            }
            ErrorCode::InvitationRequired => {
                "sign-up on this instance needs an invitation: open the link in the invitation e-mail sent to your address"
            }
            ErrorCode::AiUnavailable => {
                "the assistant is not available: this instance has no AI provider, or an admin turned AI off for this organisation"
            }
        }
    }
}

impl ApiError {
    #[must_use]
    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::NotFound => StatusCode::NOT_FOUND,
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::Conflict(_) => StatusCode::CONFLICT,
            ApiError::Unprocessable(_) | ApiError::Field { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::PlanLimit(_) => StatusCode::PAYMENT_REQUIRED,
            ApiError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal(_) if self.database_unavailable() => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// A failure whose cause, however deeply wrapped by the services, is the database being
    /// unreachable: 503, to be retried, rather than a 500.
    fn database_unavailable(&self) -> bool {
        match self {
            ApiError::Internal(e) => flowsense_storage::database_unavailable(e.as_ref()),
            _ => false,
        }
    }

    fn code(&self) -> &'static str {
        match self {
            ApiError::NotFound => "not_found",
            ApiError::BadRequest(_) => "bad_request",
            ApiError::Unauthorized(c)
            | ApiError::Forbidden(c)
            | ApiError::Conflict(c)
            | ApiError::Field { code: c, .. } => c.as_str(),
            ApiError::Unprocessable(_) => ErrorCode::Invalid.as_str(),
            ApiError::PayloadTooLarge(_) => "too_large",
            ApiError::PlanLimit(_) => "plan_limit",
            ApiError::TooManyRequests { .. } => "rate_limited",
            ApiError::Unavailable => "unavailable",
            ApiError::Internal(_) if self.database_unavailable() => "unavailable",
            ApiError::Internal(_) => "internal",
        }
    }

    /// Wraps any unexpected failure as a 500.
    pub fn internal(e: impl std::error::Error + Send + Sync + 'static) -> Self {
        ApiError::Internal(Box::new(e))
    }
}

impl From<StorageError> for ApiError {
    fn from(e: StorageError) -> Self {
        match e {
            StorageError::NotFound => ApiError::NotFound,
            StorageError::Conflict(_) => ApiError::Conflict(ErrorCode::Conflict),
            other => ApiError::Internal(Box::new(other)),
        }
    }
}

impl From<ImportFailure> for ApiError {
    fn from(e: ImportFailure) -> Self {
        match e {
            ImportFailure::Refused(e) => ApiError::Unprocessable(refusal_message(&e)),
            ImportFailure::Storage(e) => e.into(),
            e @ ImportFailure::Interrupted(_) => ApiError::internal(e),
        }
    }
}

/// The refusal as the person who uploaded the file reads it: `line 17: bad date …`.
fn refusal_message(e: &ImportError) -> String {
    let reason = e.reason.to_string().replace(
        "; pass --date-format",
        "; choose the date format and upload again",
    );
    if e.line == 0 {
        reason
    } else {
        format!("line {}: {reason}", e.line)
    }
}

impl From<AnalysisError> for ApiError {
    fn from(e: AnalysisError) -> Self {
        match e {
            AnalysisError::Storage(e) => e.into(),
            e @ AnalysisError::Interrupted(_) => ApiError::internal(e),
        }
    }
}

/// What a 503 says: nothing about the cause (it is in the log), only that it passes.
const UNAVAILABLE_MESSAGE: &str =
    "the service is temporarily unavailable; try again in a few seconds";
/// Seconds a client should wait before retrying a 503.
const UNAVAILABLE_RETRY_AFTER: &str = "5";

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        let message = if status == StatusCode::SERVICE_UNAVAILABLE {
            tracing::warn!(error = %ErrorChain(&self), "request failed: unavailable");
            UNAVAILABLE_MESSAGE.to_owned()
        } else if status.is_server_error() {
            tracing::error!(error = %ErrorChain(&self), "request failed");
            "something went wrong on our side".to_owned()
        } else {
            self.to_string()
        };
        let field = match &self {
            ApiError::Field { field, .. } => Some(*field),
            _ => None,
        };
        let body = ErrorBody {
            error: ErrorDetail {
                code: self.code(),
                message,
                field,
            },
        };
        let mut response = (status, Json(body)).into_response();
        if let ApiError::TooManyRequests { retry_after_secs } = self
            && let Ok(v) = HeaderValue::from_str(&retry_after_secs.max(1).to_string())
        {
            response.headers_mut().insert(header::RETRY_AFTER, v);
        }
        if status == StatusCode::SERVICE_UNAVAILABLE {
            response.headers_mut().insert(
                header::RETRY_AFTER,
                HeaderValue::from_static(UNAVAILABLE_RETRY_AFTER),
            );
        }
        if status == StatusCode::PAYLOAD_TOO_LARGE {
            // The rest of the body is never read: the connection cannot carry another request,
            // and a client that pooled it would see its next request cut off.
            response
                .headers_mut()
                .insert(header::CONNECTION, HeaderValue::from_static("close"));
        }
        response
    }
}

/// An id from the path (a row id, a UUID): one that does not read as one names nothing, so it is
/// not found, like an id of another organisation's.
///
/// # Errors
/// [`ApiError::NotFound`] when `raw` does not read as a `T`.
pub(crate) fn path_id<T: std::str::FromStr>(raw: &str) -> Result<T, ApiError> {
    raw.parse().map_err(|_| ApiError::NotFound)
}

pub(crate) async fn not_found() -> ApiError {
    ApiError::NotFound
}

pub(crate) fn panic_response(_: Box<dyn std::any::Any + Send + 'static>) -> Response {
    // The panic message may hold data; it is not echoed, and tracing records that it happened.
    tracing::error!("handler panicked");
    ApiError::Internal("handler panicked".into()).into_response()
}
