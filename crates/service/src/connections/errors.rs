//! Why a connection use case did not happen.

use super::Provider;
use flowsense_integrations::quickbooks::QuickBooksError;
use flowsense_integrations::xero::XeroError;
use flowsense_storage::StorageError;

/// What a provider's client reported.
#[derive(Debug, thiserror::Error)]
pub enum ProviderFailure {
    #[error(transparent)]
    QuickBooks(#[from] QuickBooksError),
    #[error(transparent)]
    Xero(#[from] XeroError),
}

/// Why a connection use case did not happen. The web crate maps each to its HTTP answer.
#[derive(Debug, thiserror::Error)]
pub enum ConnectionError {
    /// No such connection or provider in this organisation (another's included).
    #[error("not found")]
    NotFound,
    /// The instance has no app registered with this provider.
    #[error("{} is not configured on this instance", .0.display_name())]
    NotConfigured(Provider),
    /// Only admins connect, disconnect or start a sync.
    #[error("only admins can do this")]
    RoleTooLow,
    /// Connecting binds the provider's answer to a browser session; API tokens cannot.
    #[error("connecting needs a signed-in browser session")]
    SessionRequired,
    /// The callback's state is unknown, used, expired, of another session or provider.
    #[error("this connection request is not valid or has expired; start again")]
    InvalidState,
    /// The user declined at the provider (or the provider refused).
    #[error("the connection was not approved at {}", .0.display_name())]
    Denied(Provider),
    /// The provider did not complete the exchange.
    #[error("{} did not complete the connection", .0.display_name())]
    Provider(Provider, #[source] ProviderFailure),
    /// The provider login reaches no organisation this app can read.
    #[error("the {} login reaches no organisation; add one there, then connect again", .0.display_name())]
    NoTenants(Provider),
    /// The organisation chosen is already connected to this FlowSense organisation.
    #[error("{0} is already connected here; choose another organisation or disconnect it first")]
    AlreadyConnected(String),
    /// A sync needs an active connection.
    #[error("this connection is not active; connect again first")]
    NotActive,
    /// The organisation's plan allows no more connections.
    #[error(transparent)]
    PlanLimit(#[from] crate::billing::PlanLimitReached),
    #[error(transparent)]
    Storage(StorageError),
}

impl From<StorageError> for ConnectionError {
    fn from(e: StorageError) -> Self {
        match e {
            StorageError::NotFound => ConnectionError::NotFound,
            e => ConnectionError::Storage(e),
        }
    }
}
