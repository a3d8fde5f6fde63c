//! The HTTP side of identity and access: the extractors that put permissions in handler
//! signatures, the session cookie, CSRF checks and the client's address. The identity logic
//! itself (passwords, sessions, links, TOTP, limits) is `flowsense_service::identity`.

pub mod client_ip;
pub(crate) mod csrf;
pub mod extract;
pub(crate) mod refusals;
pub mod session;

pub use client_ip::TrustedProxies;
pub use extract::{
    Admin, AuthMethod, ClientInfo, CurrentUser, Member, OrgAccess, RecentAuth, Viewer,
};
