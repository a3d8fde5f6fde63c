//! The outbound allow-list (checklist I8): the hosts a partner client was configured with, and
//! nothing else. A client built with [`crate::partner_client_builder`] resolves only these
//! names; [`AllowList::check`] refuses a URL to any other host, address literals included.

use crate::OutboundError;
use std::collections::BTreeSet;
use std::sync::Arc;

/// The hosts one partner client may reach, lower-cased (names as configured, address literals
/// as written in the URL).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AllowList {
    hosts: Arc<BTreeSet<String>>,
}

/// Why a destination is refused.
const NOT_LISTED: &str = "not on the outbound allow-list";

impl AllowList {
    /// The hosts of `urls` (a provider's API, token, revocation and consent endpoints).
    #[must_use]
    pub fn from_urls<'a>(urls: impl IntoIterator<Item = &'a reqwest::Url>) -> Self {
        let hosts = urls
            .into_iter()
            .filter_map(|u| u.host_str())
            .map(str::to_ascii_lowercase)
            .collect();
        Self {
            hosts: Arc::new(hosts),
        }
    }

    /// Whether `host` (a name or an address literal, brackets and all for IPv6) is listed.
    #[must_use]
    pub fn allows(&self, host: &str) -> bool {
        self.hosts.contains(&host.to_ascii_lowercase())
    }

    /// Refuses a URL whose host is not listed.
    ///
    /// # Errors
    /// [`OutboundError::Destination`] naming the host.
    pub fn check(&self, url: &reqwest::Url) -> Result<(), OutboundError> {
        let host = url.host_str().unwrap_or_default();
        if self.allows(host) {
            Ok(())
        } else {
            Err(OutboundError::Destination(host.to_owned(), NOT_LISTED))
        }
    }
}

impl reqwest::dns::Resolve for AllowList {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let host = name.as_str().to_owned();
        let listed = self.allows(&host);
        Box::pin(async move {
            if !listed {
                let refused: Box<dyn std::error::Error + Send + Sync> =
                    Box::new(OutboundError::Destination(host, NOT_LISTED));
                return Err(refused);
            }
            let addrs: Vec<std::net::SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let addrs: reqwest::dns::Addrs = Box::new(addrs.into_iter());
            Ok(addrs)
        })
    }
}
