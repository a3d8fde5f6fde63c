//! The one place where the services' error enums become HTTP answers. Each refusal keeps the
//! status, code and message the API has always given; failures become 500s whose cause chain
//! is logged by `ApiError`'s response.

use crate::{ApiError, ErrorCode};
use flowsense_mail::MailError;
use flowsense_service::FieldError;
use flowsense_service::ai::assistant::AssistantError;
use flowsense_service::ai::assistant::tools::ToolFailure;
use flowsense_service::billing::BillingError;
use flowsense_service::billing::StripeWebhookError;
use flowsense_service::connections::ConnectionError;
use flowsense_service::connections::webhooks::WebhookError;
use flowsense_service::digest::DigestError;
use flowsense_service::identity::IdentityError;
use flowsense_service::identity::limits::RateLimited;
use flowsense_service::identity::password::PasswordError;
use flowsense_service::orgs::OrgError;
use flowsense_service::orgs::settings::SettingsError;
use flowsense_service::planned::PlannedError;
use flowsense_service::rates::RatesError;
use flowsense_service::uploads::UploadError;
use flowsense_service::whatif::saved::SavedError;

impl From<FieldError> for ApiError {
    fn from(e: FieldError) -> Self {
        ApiError::Field {
            code: ErrorCode::Invalid,
            field: e.field,
            message: e.message,
        }
    }
}

impl From<RateLimited> for ApiError {
    fn from(e: RateLimited) -> Self {
        ApiError::TooManyRequests {
            retry_after_secs: e.retry_after_secs,
        }
    }
}

impl From<PasswordError> for ApiError {
    fn from(e: PasswordError) -> Self {
        ApiError::internal(e)
    }
}

impl From<MailError> for ApiError {
    fn from(e: MailError) -> Self {
        ApiError::internal(e)
    }
}

impl From<IdentityError> for ApiError {
    fn from(e: IdentityError) -> Self {
        match e {
            IdentityError::InvalidCredentials => {
                ApiError::Unauthorized(ErrorCode::InvalidCredentials)
            }
            IdentityError::SecondFactorRequired => ApiError::Unauthorized(ErrorCode::TotpRequired),
            IdentityError::SessionRequired => ApiError::Forbidden(ErrorCode::SessionRequired),
            IdentityError::EmailNotVerified => ApiError::Forbidden(ErrorCode::EmailNotVerified),
            IdentityError::ReauthenticationRequired => {
                ApiError::Forbidden(ErrorCode::ReauthenticationRequired)
            }
            IdentityError::EmailAlreadyVerified => {
                ApiError::Conflict(ErrorCode::EmailAlreadyVerified)
            }
            IdentityError::MfaAlreadyEnabled => ApiError::Conflict(ErrorCode::MfaAlreadyEnabled),
            IdentityError::MfaNotPending => ApiError::Conflict(ErrorCode::MfaNotPending),
            IdentityError::SoleAdmin => ApiError::Conflict(ErrorCode::SoleAdmin),
            IdentityError::EmailTaken => ApiError::Conflict(ErrorCode::Conflict),
            IdentityError::SignupClosed => ApiError::Forbidden(ErrorCode::SignupClosed),
            IdentityError::SsoRequired => ApiError::Forbidden(ErrorCode::SsoRequired),
            IdentityError::InvitationRequired => ApiError::Forbidden(ErrorCode::InvitationRequired),
            IdentityError::InvalidLink => {
                ApiError::BadRequest("the link is invalid or has expired".into())
            }
            IdentityError::InvalidSetupToken => {
                ApiError::BadRequest("the setup token is invalid, expired or already used".into())
            }
            IdentityError::NotFound => ApiError::NotFound,
            IdentityError::Invalid(f) => f.into(),
            IdentityError::RateLimited(r) => r.into(),
            IdentityError::Storage(s) => s.into(),
            e @ (IdentityError::OtpauthUri
            | IdentityError::Password(_)
            | IdentityError::Mail(_)) => ApiError::internal(e),
        }
    }
}

impl From<OrgError> for ApiError {
    fn from(e: OrgError) -> Self {
        match e {
            OrgError::NotFound => ApiError::NotFound,
            OrgError::Invalid(f) => f.into(),
            OrgError::SlugTaken => ApiError::Field {
                code: ErrorCode::SlugTaken,
                field: "slug",
                message: ErrorCode::SlugTaken.message().to_owned(),
            },
            OrgError::LastAdmin => ApiError::Conflict(ErrorCode::LastAdmin),
            OrgError::InvitationEmailMismatch => {
                ApiError::Forbidden(ErrorCode::InvitationEmailMismatch)
            }
            OrgError::InvitationUsed => ApiError::Conflict(ErrorCode::InvitationUsed),
            OrgError::InvitationExpired => ApiError::Conflict(ErrorCode::InvitationExpired),
            OrgError::EmailNotVerified => ApiError::Forbidden(ErrorCode::EmailNotVerified),
            OrgError::MfaRequired => ApiError::Forbidden(ErrorCode::MfaRequired),
            OrgError::RoleTooLow => ApiError::Forbidden(ErrorCode::Forbidden),
            OrgError::TooManyInvitations { retry_after_secs } => {
                ApiError::TooManyRequests { retry_after_secs }
            }
            OrgError::PlanLimit(p) => ApiError::PlanLimit(p.to_string()),
            OrgError::Storage(s) => s.into(),
            OrgError::Identity(i) => i.into(),
            e @ (OrgError::Export(_) | OrgError::Mail(_)) => ApiError::internal(e),
        }
    }
}

impl From<SettingsError> for ApiError {
    fn from(e: SettingsError) -> Self {
        match e {
            SettingsError::Invalid(invalid) => ApiError::Unprocessable(invalid.summary()),
            SettingsError::Failed(e) => e.into(),
        }
    }
}

impl From<UploadError> for ApiError {
    fn from(e: UploadError) -> Self {
        match e {
            UploadError::Invalid(f) => f.into(),
            UploadError::Import(failure) => failure.into(),
            UploadError::Storage(s) => s.into(),
        }
    }
}

impl From<DigestError> for ApiError {
    fn from(e: DigestError) -> Self {
        match e {
            DigestError::InvalidLink => {
                ApiError::BadRequest("the unsubscribe link is not valid".into())
            }
            DigestError::NotFound => ApiError::NotFound,
            DigestError::Storage(s) => s.into(),
            DigestError::Analysis(a) => a.into(),
            e @ DigestError::Render(_) => ApiError::internal(e),
        }
    }
}

impl From<ConnectionError> for ApiError {
    fn from(e: ConnectionError) -> Self {
        match e {
            ConnectionError::NotFound => ApiError::NotFound,
            ConnectionError::RoleTooLow => ApiError::Forbidden(ErrorCode::Forbidden),
            ConnectionError::SessionRequired => ApiError::Forbidden(ErrorCode::SessionRequired),
            ConnectionError::NotActive => ApiError::Conflict(ErrorCode::Conflict),
            e @ (ConnectionError::NotConfigured(_)
            | ConnectionError::InvalidState
            | ConnectionError::Denied(_)
            | ConnectionError::NoTenants(_)
            | ConnectionError::AlreadyConnected(_)) => ApiError::BadRequest(e.to_string()),
            ConnectionError::PlanLimit(p) => ApiError::PlanLimit(p.to_string()),
            ConnectionError::Storage(s) => s.into(),
            e @ ConnectionError::Provider(..) => ApiError::internal(e),
        }
    }
}

impl From<WebhookError> for ApiError {
    fn from(e: WebhookError) -> Self {
        match e {
            WebhookError::NotConfigured => ApiError::NotFound,
            WebhookError::BadSignature => ApiError::Unauthorized(ErrorCode::Unauthenticated),
            WebhookError::Malformed => ApiError::BadRequest(e.to_string()),
            WebhookError::TooLarge => ApiError::PayloadTooLarge(format!(
                "{e}; the limit is {} bytes",
                crate::webhooks::MAX_WEBHOOK_BODY
            )),
            WebhookError::RateLimited(r) => r.into(),
            WebhookError::Storage(s) => s.into(),
        }
    }
}

impl From<AssistantError> for ApiError {
    fn from(e: AssistantError) -> Self {
        match e {
            AssistantError::RoleTooLow => ApiError::Forbidden(ErrorCode::Forbidden),
            AssistantError::ConversationNotFound => ApiError::NotFound,
            AssistantError::Invalid(f) => f.into(),
            AssistantError::NoProvider | AssistantError::TurnedOff => {
                ApiError::Conflict(ErrorCode::AiUnavailable)
            }
            AssistantError::Storage(s) => s.into(),
        }
    }
}

impl From<ToolFailure> for ApiError {
    fn from(e: ToolFailure) -> Self {
        ApiError::internal(e)
    }
}

impl From<PlannedError> for ApiError {
    fn from(e: PlannedError) -> Self {
        match e {
            PlannedError::Invalid(f) => f.into(),
            PlannedError::TooMany => ApiError::Unprocessable(e.to_string()),
            PlannedError::NotFound => ApiError::NotFound,
            PlannedError::Storage(s) => s.into(),
        }
    }
}

impl From<RatesError> for ApiError {
    fn from(e: RatesError) -> Self {
        match e {
            RatesError::Invalid(f) => f.into(),
            RatesError::File(_) => ApiError::Unprocessable(e.to_string()),
            RatesError::Io(io) => ApiError::internal(io),
            RatesError::Storage(s) => s.into(),
            RatesError::Analysis(a) => a.into(),
        }
    }
}

impl From<SavedError> for ApiError {
    fn from(e: SavedError) -> Self {
        match e {
            SavedError::Invalid(f) => f.into(),
            SavedError::TooMany => ApiError::Unprocessable(e.to_string()),
            SavedError::NotFound => ApiError::NotFound,
            SavedError::Storage(s) => s.into(),
            SavedError::Analysis(a) => a.into(),
        }
    }
}

impl From<BillingError> for ApiError {
    fn from(e: BillingError) -> Self {
        match e {
            BillingError::NotEnabled => ApiError::NotFound,
            BillingError::RoleTooLow => ApiError::Forbidden(ErrorCode::Forbidden),
            e @ (BillingError::NoCustomer | BillingError::UnknownPlan) => {
                ApiError::BadRequest(e.to_string())
            }
            BillingError::Storage(s) => s.into(),
            e @ BillingError::Stripe(_) => ApiError::internal(e),
        }
    }
}

impl From<StripeWebhookError> for ApiError {
    /// Stripe's convention: 400 for what must not be retried as it is, 2xx for accepted, 5xx
    /// for a failure worth Stripe's retry.
    fn from(e: StripeWebhookError) -> Self {
        match e {
            StripeWebhookError::NotConfigured => ApiError::NotFound,
            e @ (StripeWebhookError::BadSignature(_)
            | StripeWebhookError::Replayed
            | StripeWebhookError::Malformed) => ApiError::BadRequest(e.to_string()),
            StripeWebhookError::TooLarge => {
                ApiError::PayloadTooLarge("webhook bodies up to 256 KiB are read".into())
            }
            StripeWebhookError::RateLimited(r) => r.into(),
            e @ StripeWebhookError::Failed(_) => ApiError::internal(e),
        }
    }
}
