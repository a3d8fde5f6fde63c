//! Identity and access: sessions, tokens, passwords, MFA, limits and the extractors that put
//! permissions in handler signatures.

pub mod client_ip;
pub mod crypto;
pub(crate) mod csrf;
pub mod extract;
pub mod limits;
pub mod links;
pub(crate) mod password;
pub mod session;
pub mod totp;
pub mod totp_seal;

pub use client_ip::TrustedProxies;
pub use extract::{
    Admin, AuthMethod, ClientInfo, CurrentUser, Member, OrgAccess, RecentAuth, Viewer,
};
pub use password::check_password_strength;
