//! Single sign-on through an OpenID Connect provider, from the environment:
//! `FLOWSENSE_OIDC_ISSUER` (the issuer identifier; discovery is read from
//! `{issuer}/.well-known/openid-configuration`), `FLOWSENSE_OIDC_CLIENT_ID`,
//! `FLOWSENSE_OIDC_CLIENT_SECRET`, `FLOWSENSE_OIDC_NAME` (the button says "Sign in with {name}";
//! default "single sign-on"), `FLOWSENSE_OIDC_JIT_DOMAINS` (comma-separated e-mail domains whose
//! people may join, as viewers, an organisation that claimed the domain) and
//! `FLOWSENSE_OIDC_ALLOW_LOOPBACK` (`1`: a provider on this machine over plain HTTP, for local
//! testing only). Off unless the issuer is set; then the client id and secret are required. The
//! redirect URI to register with the provider is `{FLOWSENSE_PUBLIC_URL}/login/sso/callback`.

use crate::settings::env;
use anyhow::{Result, bail};
use flowsense_integrations::oidc::{OidcClient, OidcConfig};
use flowsense_outbound::Loopback;
use flowsense_service::identity::sso::Sso;
use secrecy::SecretString;

/// The provider registration, validated.
#[derive(Debug, Clone)]
pub struct SsoSettings {
    pub issuer: String,
    pub client_id: String,
    pub client_secret: SecretString,
    pub display_name: String,
    pub jit_domains: Vec<String>,
    pub allow_loopback: bool,
}

impl SsoSettings {
    /// `None` when `FLOWSENSE_OIDC_ISSUER` is unset.
    ///
    /// # Errors
    /// A bad or missing value, named by its variable (never quoting the secret).
    pub fn load() -> Result<Option<Self>> {
        let Some(issuer) = env("FLOWSENSE_OIDC_ISSUER")? else {
            for name in ["FLOWSENSE_OIDC_CLIENT_ID", "FLOWSENSE_OIDC_CLIENT_SECRET"] {
                if env(name)?.is_some() {
                    bail!("{name} is set but FLOWSENSE_OIDC_ISSUER is not");
                }
            }
            return Ok(None);
        };
        let issuer = issuer.trim().trim_end_matches('/').to_owned();
        let allow_loopback = match env("FLOWSENSE_OIDC_ALLOW_LOOPBACK")?.as_deref() {
            None | Some("0") => false,
            Some("1") => true,
            Some(other) => bail!("FLOWSENSE_OIDC_ALLOW_LOOPBACK must be 0 or 1 (got {other:?})"),
        };
        if !(issuer.starts_with("https://") || (allow_loopback && issuer.starts_with("http://"))) {
            bail!("FLOWSENSE_OIDC_ISSUER must be an https:// URL");
        }
        let Some(client_id) = env("FLOWSENSE_OIDC_CLIENT_ID")? else {
            bail!("FLOWSENSE_OIDC_ISSUER is set but FLOWSENSE_OIDC_CLIENT_ID is not");
        };
        let Some(secret) = env("FLOWSENSE_OIDC_CLIENT_SECRET")? else {
            bail!("FLOWSENSE_OIDC_ISSUER is set but FLOWSENSE_OIDC_CLIENT_SECRET is not");
        };
        let display_name = env("FLOWSENSE_OIDC_NAME")?
            .map(|n| n.trim().to_owned())
            .unwrap_or_else(|| "single sign-on".to_owned());
        if display_name.chars().count() > 60 || display_name.chars().any(char::is_control) {
            bail!("FLOWSENSE_OIDC_NAME must be a short name (at most 60 characters)");
        }
        let jit_domains = parse_domains(env("FLOWSENSE_OIDC_JIT_DOMAINS")?.as_deref())?;
        Ok(Some(Self {
            issuer,
            client_id: client_id.trim().to_owned(),
            client_secret: SecretString::from(secret.trim()),
            display_name,
            jit_domains,
            allow_loopback,
        }))
    }

    /// The service's single sign-on, for an instance reached at `public_url`.
    ///
    /// # Errors
    /// The provider's URL is refused by the outbound policy.
    pub fn build(&self, public_url: &str) -> Result<Sso> {
        let client = OidcClient::new(OidcConfig {
            issuer: self.issuer.clone(),
            client_id: self.client_id.clone(),
            client_secret: self.client_secret.clone(),
            redirect_url: format!("{}/login/sso/callback", public_url.trim_end_matches('/')),
            loopback: if self.allow_loopback {
                Loopback::Allowed
            } else {
                Loopback::Refused
            },
        })
        .map_err(|e| anyhow::anyhow!("FLOWSENSE_OIDC_ISSUER: {e}"))?;
        Ok(Sso {
            client,
            display_name: self.display_name.clone(),
            jit_domains: self.jit_domains.clone(),
        })
    }
}

/// `FLOWSENSE_OIDC_JIT_DOMAINS`: lower-cased domains, each with a dot and nothing else odd.
fn parse_domains(value: Option<&str>) -> Result<Vec<String>> {
    let Some(value) = value else {
        return Ok(Vec::new());
    };
    value
        .split(',')
        .map(|d| d.trim().trim_start_matches('@').to_lowercase())
        .filter(|d| !d.is_empty())
        .map(|d| {
            let ok = d.len() <= 253
                && d.contains('.')
                && !d.starts_with('.')
                && !d.ends_with('.')
                && d.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-');
            if ok {
                Ok(d)
            } else {
                bail!("FLOWSENSE_OIDC_JIT_DOMAINS: {d:?} is not a domain name")
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::parse_domains;

    #[test]
    fn jit_domains_are_lower_cased_domain_names_and_nothing_else() {
        assert_eq!(
            parse_domains(Some(" Example.COM, @acme.co.uk ,")).expect("domains"),
            vec!["example.com".to_owned(), "acme.co.uk".to_owned()]
        );
        assert!(parse_domains(Some("localhost")).is_err());
        assert!(parse_domains(Some("exa mple.com")).is_err());
        assert!(parse_domains(Some("*.example.com")).is_err());
        assert!(parse_domains(None).expect("none").is_empty());
    }
}
