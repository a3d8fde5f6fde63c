//! The AI provider this instance uses, from the environment: `FLOWSENSE_AI_PROVIDER`
//! (`anthropic`, `openai-compatible` or `none`, the default), `ANTHROPIC_API_KEY`,
//! `FLOWSENSE_AI_API_KEY` (the bearer key of an OpenAI-compatible server, when it wants one),
//! `FLOWSENSE_AI_BASE_URL`, `FLOWSENSE_AI_MODEL` and `FLOWSENSE_AI_SANDBOX`; and the monthly
//! token allowance of each organisation, `FLOWSENSE_AI_MONTHLY_TOKENS`.
//!
//! For Anthropic the base URL is Anthropic's own unless set, and a loopback one (the local
//! fake) is accepted only with `FLOWSENSE_AI_SANDBOX=true`. For an OpenAI-compatible server the
//! operator names the server, and a model server on this machine or the private network
//! (Ollama, vLLM, llama.cpp) is a legitimate production set-up: loopback and private addresses
//! are accepted, over plain HTTP too. A bad value stops start-up naming its variable.

use anyhow::{Result, anyhow, bail};
use flowsense_ai::anthropic::DEFAULT_MODEL;
use flowsense_ai::{
    Anthropic, AnthropicConfig, ChatModel, Loopback, ModelInfo, OpenAiCompatible, OpenAiConfig,
    Reach, Url,
};
use flowsense_outbound::{check_destination, check_self_hosted_destination};
use flowsense_service::ai::usage::DEFAULT_MONTHLY_TOKENS;
use secrecy::SecretString;
use std::sync::Arc;

/// Which provider, with what it needs.
#[derive(Debug, Clone, Default)]
pub enum AiSettings {
    /// Nothing is sent to any model; insights come from templates.
    #[default]
    None,
    Anthropic {
        api_key: SecretString,
        model: String,
        /// `None`: Anthropic's own API.
        base_url: Option<Url>,
        /// `FLOWSENSE_AI_SANDBOX`: the base URL may be a loopback one.
        sandbox: bool,
    },
    OpenAiCompatible {
        base_url: Url,
        api_key: Option<SecretString>,
        model: String,
    },
}

/// A model id: short, printable, no spaces.
fn model_id(value: &str) -> Result<String> {
    let value = value.trim();
    if value.is_empty()
        || value.len() > 200
        || value.chars().any(|c| c.is_whitespace() || c.is_control())
    {
        bail!("FLOWSENSE_AI_MODEL must be a model id such as {DEFAULT_MODEL} (no spaces)");
    }
    Ok(value.to_owned())
}

fn base_url(value: &str) -> Result<Url> {
    let url = Url::parse(value.trim()).map_err(|_| {
        anyhow!("FLOWSENSE_AI_BASE_URL must be a URL such as https://host[:port][/path]")
    })?;
    if !matches!(url.scheme(), "http" | "https")
        || url.query().is_some()
        || url.fragment().is_some()
        || !url.username().is_empty()
        || url.password().is_some()
    {
        bail!(
            "FLOWSENSE_AI_BASE_URL must be an http(s) URL without credentials, query or fragment"
        );
    }
    Ok(url)
}

fn flag(value: Option<&str>, name: &str) -> Result<bool> {
    match value.map(str::trim) {
        None | Some("0" | "false" | "no") => Ok(false),
        Some("1" | "true" | "yes") => Ok(true),
        Some(v) => bail!("{name} must be true or false (got {v:?})"),
    }
}

impl AiSettings {
    /// Reads the AI variables from the environment.
    ///
    /// # Errors
    /// A bad or missing value, named by its variable.
    pub fn load() -> Result<Self> {
        Self::from_lookup(crate::settings::env)
    }

    /// Reads the AI variables through `get` (the environment, or a test's table).
    ///
    /// # Errors
    /// A bad or missing value, named by its variable.
    pub fn from_lookup(get: impl Fn(&str) -> Result<Option<String>>) -> Result<Self> {
        let provider = get("FLOWSENSE_AI_PROVIDER")?;
        let sandbox = flag(
            get("FLOWSENSE_AI_SANDBOX")?.as_deref(),
            "FLOWSENSE_AI_SANDBOX",
        )?;
        let url = get("FLOWSENSE_AI_BASE_URL")?
            .map(|v| base_url(&v))
            .transpose()?;
        let model = get("FLOWSENSE_AI_MODEL")?
            .map(|v| model_id(&v))
            .transpose()?;
        match provider.as_deref().map(str::trim) {
            None | Some("none") => Ok(Self::None),
            Some("anthropic") => {
                let Some(key) = get("ANTHROPIC_API_KEY")? else {
                    bail!("ANTHROPIC_API_KEY is required when FLOWSENSE_AI_PROVIDER=anthropic");
                };
                if let Some(u) = &url {
                    let loopback = if sandbox {
                        Loopback::Allowed
                    } else {
                        Loopback::Refused
                    };
                    check_destination(u, loopback).map_err(|e| {
                        anyhow!(
                            "FLOWSENSE_AI_BASE_URL: {e} (https:// to a public host; a loopback address only with FLOWSENSE_AI_SANDBOX=true)"
                        )
                    })?;
                }
                Ok(Self::Anthropic {
                    api_key: SecretString::from(key.trim().to_owned()),
                    model: model.unwrap_or_else(|| DEFAULT_MODEL.to_owned()),
                    base_url: url,
                    sandbox,
                })
            }
            Some("openai-compatible") => {
                let Some(url) = url else {
                    bail!(
                        "FLOWSENSE_AI_BASE_URL is required when FLOWSENSE_AI_PROVIDER=openai-compatible (e.g. http://localhost:11434/v1 for Ollama)"
                    );
                };
                check_self_hosted_destination(&url).map_err(|e| {
                    anyhow!(
                        "FLOWSENSE_AI_BASE_URL: {e} (https://, or http:// to this machine or a private address)"
                    )
                })?;
                let Some(model) = model else {
                    bail!(
                        "FLOWSENSE_AI_MODEL is required when FLOWSENSE_AI_PROVIDER=openai-compatible (e.g. llama3.1)"
                    );
                };
                Ok(Self::OpenAiCompatible {
                    base_url: url,
                    api_key: get("FLOWSENSE_AI_API_KEY")?
                        .map(|k| SecretString::from(k.trim().to_owned())),
                    model,
                })
            }
            Some(other) => bail!(
                "FLOWSENSE_AI_PROVIDER must be anthropic, openai-compatible or none (got {other:?})"
            ),
        }
    }

    /// The model client, `None` when no provider is configured.
    ///
    /// # Errors
    /// A client that cannot be set up (a key that cannot be sent, a refused base URL).
    pub fn build(&self) -> Result<Option<Arc<dyn ChatModel>>> {
        let model: Arc<dyn ChatModel> = match self {
            Self::None => return Ok(None),
            Self::Anthropic {
                api_key,
                model,
                base_url,
                sandbox,
            } => {
                let mut config = AnthropicConfig::new(api_key.clone(), model.clone());
                if let Some(u) = base_url {
                    config.base_url = u.clone();
                }
                if *sandbox {
                    config.loopback = Loopback::Allowed;
                }
                Arc::new(
                    Anthropic::new(config)
                        .map_err(|e| anyhow!("FLOWSENSE_AI_PROVIDER=anthropic: {e}"))?,
                )
            }
            Self::OpenAiCompatible {
                base_url,
                api_key,
                model,
            } => {
                let mut config =
                    OpenAiConfig::new(base_url.clone(), model.clone(), Reach::SelfHosted);
                config.api_key.clone_from(api_key);
                Arc::new(
                    OpenAiCompatible::new(config)
                        .map_err(|e| anyhow!("FLOWSENSE_AI_PROVIDER=openai-compatible: {e}"))?,
                )
            }
        };
        Ok(Some(model))
    }
}

/// `FLOWSENSE_AI_MONTHLY_TOKENS`: tokens (in and out) each organisation may use in a calendar
/// month, by default [`DEFAULT_MONTHLY_TOKENS`]; 0 makes no AI call at all.
///
/// # Errors
/// A value that is not a whole number, named by its variable.
pub fn monthly_tokens(get: impl Fn(&str) -> Result<Option<String>>) -> Result<u64> {
    match get("FLOWSENSE_AI_MONTHLY_TOKENS")? {
        None => Ok(DEFAULT_MONTHLY_TOKENS),
        Some(v) => v.trim().replace('_', "").parse().map_err(|_| {
            anyhow!("FLOWSENSE_AI_MONTHLY_TOKENS must be a whole number of tokens, such as 2000000 (0: no AI calls)")
        }),
    }
}

/// How the trust page and the assistant name the provider.
#[must_use]
pub fn describe(info: &ModelInfo) -> String {
    let who = match info.provider {
        "anthropic" => "Anthropic Claude",
        _ => "an OpenAI-compatible model server",
    };
    format!("{who} (model {}) at {}", info.model, info.host)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn load(vars: &[(&str, &str)]) -> Result<AiSettings> {
        let table: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        AiSettings::from_lookup(|name| Ok(table.get(name).cloned()))
    }

    fn error(vars: &[(&str, &str)]) -> String {
        load(vars).unwrap_err().to_string()
    }

    #[test]
    fn the_monthly_allowance_defaults_and_refuses_what_is_not_a_number() {
        let get = |v: Option<&str>| {
            let v = v.map(str::to_owned);
            monthly_tokens(move |_| Ok(v.clone()))
        };
        assert_eq!(get(None).unwrap(), DEFAULT_MONTHLY_TOKENS);
        assert_eq!(get(Some("0")).unwrap(), 0);
        assert_eq!(get(Some(" 500_000 ")).unwrap(), 500_000);
        assert!(
            get(Some("lots"))
                .unwrap_err()
                .to_string()
                .contains("FLOWSENSE_AI_MONTHLY_TOKENS")
        );
    }

    #[test]
    fn no_provider_is_the_default_and_sends_nothing() {
        assert!(matches!(load(&[]).unwrap(), AiSettings::None));
        assert!(matches!(
            load(&[
                ("FLOWSENSE_AI_PROVIDER", "none"),
                ("ANTHROPIC_API_KEY", "k")
            ])
            .unwrap(),
            AiSettings::None
        ));
        assert!(load(&[]).unwrap().build().unwrap().is_none());
    }

    #[test]
    fn anthropic_needs_a_key_and_defaults_to_its_own_api_and_a_current_model() {
        let s = load(&[
            ("FLOWSENSE_AI_PROVIDER", "anthropic"),
            ("ANTHROPIC_API_KEY", "sk-ant-1"),
        ])
        .unwrap();
        let model = s.build().unwrap().unwrap();
        let info = model.info();
        assert_eq!(
            (info.provider, info.model.as_str()),
            ("anthropic", DEFAULT_MODEL)
        );
        assert_eq!(info.host, "api.anthropic.com");
        assert_eq!(
            describe(&info),
            format!("Anthropic Claude (model {DEFAULT_MODEL}) at api.anthropic.com")
        );
        assert!(!format!("{s:?}").contains("sk-ant-1"));
        assert!(error(&[("FLOWSENSE_AI_PROVIDER", "anthropic")]).contains("ANTHROPIC_API_KEY"));
    }

    #[test]
    fn a_loopback_anthropic_needs_the_sandbox_flag() {
        let base = [
            ("FLOWSENSE_AI_PROVIDER", "anthropic"),
            ("ANTHROPIC_API_KEY", "k"),
            ("FLOWSENSE_AI_BASE_URL", "http://127.0.0.1:4100"),
        ];
        assert!(error(&base).contains("FLOWSENSE_AI_BASE_URL"));
        let mut sandboxed = base.to_vec();
        sandboxed.push(("FLOWSENSE_AI_SANDBOX", "true"));
        let model = load(&sandboxed).unwrap().build().unwrap().unwrap();
        assert_eq!(model.info().host, "127.0.0.1");
        for (var, value) in [
            ("FLOWSENSE_AI_BASE_URL", "http://api.anthropic.example"),
            ("FLOWSENSE_AI_BASE_URL", "https://10.1.2.3"),
            ("FLOWSENSE_AI_BASE_URL", "not a url"),
            ("FLOWSENSE_AI_BASE_URL", "https://user:pw@api.example"),
            ("FLOWSENSE_AI_SANDBOX", "maybe"),
            ("FLOWSENSE_AI_MODEL", "claude sonnet"),
        ] {
            let mut vars = base[..2].to_vec();
            vars.push((var, value));
            let e = error(&vars);
            assert!(e.contains(var), "{var}={value}: {e}");
            assert!(!e.contains("pw@"), "{e}");
        }
    }

    #[test]
    fn an_openai_compatible_server_may_be_local_and_needs_a_url_and_a_model() {
        let ok = [
            ("FLOWSENSE_AI_PROVIDER", "openai-compatible"),
            ("FLOWSENSE_AI_BASE_URL", "http://localhost:11434/v1"),
            ("FLOWSENSE_AI_MODEL", "llama3.1"),
        ];
        let model = load(&ok).unwrap().build().unwrap().unwrap();
        assert_eq!(model.info().provider, "openai-compatible");
        for url in [
            "http://192.168.1.50:8000",
            "http://ollama:11434",
            "https://llm.example.com/v1",
        ] {
            let mut vars = ok.to_vec();
            vars[1] = ("FLOWSENSE_AI_BASE_URL", url);
            assert!(load(&vars).is_ok(), "{url}");
        }
        let mut plain_public = ok.to_vec();
        plain_public[1] = ("FLOWSENSE_AI_BASE_URL", "http://llm.example.com/v1");
        assert!(error(&plain_public).contains("FLOWSENSE_AI_BASE_URL"));
        let mut metadata = ok.to_vec();
        metadata[1] = ("FLOWSENSE_AI_BASE_URL", "http://169.254.169.254/v1");
        assert!(error(&metadata).contains("FLOWSENSE_AI_BASE_URL"));
        assert!(error(&ok[..2]).contains("FLOWSENSE_AI_MODEL"));
        assert!(error(&[ok[0], ok[2]]).contains("FLOWSENSE_AI_BASE_URL"));
        assert!(error(&[("FLOWSENSE_AI_PROVIDER", "gpt")]).contains("FLOWSENSE_AI_PROVIDER"));
    }
}
