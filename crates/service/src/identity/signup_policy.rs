//! Who may create an account on this instance (`FLOWSENSE_SIGNUP`, SPEC §3): anyone, only
//! the holder of an invitation, or nobody (accounts come from the operator's
//! `flowsense user` commands and from invitations' owners signing up elsewhere first).

use super::IdentityError;
use crate::Context;
use std::fmt;
use std::str::FromStr;

/// The instance's sign-up rule.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum SignupPolicy {
    /// Anyone may sign up (the default).
    #[default]
    Open,
    /// Only with the token of an open invitation sent to the address signing up.
    InviteOnly,
    /// Nobody may sign up.
    Closed,
}

impl SignupPolicy {
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            SignupPolicy::Open => "open",
            SignupPolicy::InviteOnly => "invite-only",
            SignupPolicy::Closed => "closed",
        }
    }

    /// Whether pages offer a "create an account" link to anyone.
    #[must_use]
    pub fn is_open(self) -> bool {
        self == SignupPolicy::Open
    }
}

impl fmt::Display for SignupPolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A value that is not one of the three.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("must be open, invite-only or closed (got {0:?})")]
pub struct UnknownSignupPolicy(String);

impl FromStr for SignupPolicy {
    type Err = UnknownSignupPolicy;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim() {
            "open" => Ok(SignupPolicy::Open),
            "invite-only" => Ok(SignupPolicy::InviteOnly),
            "closed" => Ok(SignupPolicy::Closed),
            other => Err(UnknownSignupPolicy(other.chars().take(32).collect())),
        }
    }
}

/// Whether `email` (already parsed) may sign up under the instance's policy, given the
/// invitation token that came with the form, if any.
///
/// # Errors
/// [`IdentityError::SignupClosed`]; [`IdentityError::InvitationRequired`] when invite-only and
/// the token is missing, unknown, used, expired, or sent to another address (all alike, so
/// the answer tells nothing about other people's invitations); a database failure.
pub(crate) async fn check(
    ctx: &Context,
    email: &str,
    invitation: Option<&str>,
) -> Result<(), IdentityError> {
    match ctx.signup {
        SignupPolicy::Open => Ok(()),
        SignupPolicy::Closed => Err(IdentityError::SignupClosed),
        SignupPolicy::InviteOnly => {
            let token = invitation
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .ok_or(IdentityError::InvitationRequired)?;
            let inv = match crate::orgs::invitations::find(ctx, token).await {
                Ok(inv) => inv,
                Err(crate::orgs::OrgError::NotFound) => {
                    return Err(IdentityError::InvitationRequired);
                }
                Err(crate::orgs::OrgError::Storage(e)) => return Err(IdentityError::Storage(e)),
                Err(_) => return Err(IdentityError::InvitationRequired),
            };
            let usable =
                inv.email == email && inv.accepted_at.is_none() && ctx.now() < inv.expires_at;
            if usable {
                Ok(())
            } else {
                Err(IdentityError::InvitationRequired)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::SignupPolicy;

    #[test]
    fn the_policy_reads_its_three_words_and_nothing_else() {
        for p in [
            SignupPolicy::Open,
            SignupPolicy::InviteOnly,
            SignupPolicy::Closed,
        ] {
            assert_eq!(p.as_str().parse::<SignupPolicy>(), Ok(p));
        }
        assert_eq!(" closed ".parse::<SignupPolicy>(), Ok(SignupPolicy::Closed));
        for bad in ["", "Open", "invite_only", "invite", "none"] {
            assert!(bad.parse::<SignupPolicy>().is_err(), "{bad}");
        }
        assert!(SignupPolicy::Open.is_open() && !SignupPolicy::InviteOnly.is_open());
    }
}
