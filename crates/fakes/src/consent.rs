//! What a person's browser does on a fake's consent page (QuickBooks' or Xero's), for tests
//! and benchmarks that need a grant without a real browser: load the page, press the approve
//! (or cancel) button, and come back with the redirect's query string (`code` and `state`, with
//! `realmId` from QuickBooks; or `error` and `state`).

/// Decides on the consent page at `authorize_url` and returns the query string the fake
/// redirects to.
///
/// # Errors
/// A message when the page cannot be loaded, holds no consent form, or answers without a
/// redirect.
pub async fn decide_consent(authorize_url: &str, approve: bool) -> Result<String, String> {
    decide_on_consent_page(authorize_url, approve)
        .await
        .map(|d| d.query)
}

/// What a decision on a consent page came to.
#[derive(Debug, Clone)]
pub struct Decided {
    /// The consent page as the browser saw it.
    pub page: String,
    /// Where the fake redirected the browser.
    pub location: String,
    /// The redirect's query string.
    pub query: String,
}

/// [`decide_consent`], keeping the page and the whole redirect for tests that check them.
///
/// # Errors
/// As [`decide_consent`].
#[expect(
    clippy::disallowed_methods,
    reason = "the person's browser is an outside client, not one of ours"
)]
pub async fn decide_on_consent_page(authorize_url: &str, approve: bool) -> Result<Decided, String> {
    let origin = reqwest::Url::parse(authorize_url)
        .map_err(|e| format!("consent page address: {e}"))?
        .origin()
        .ascii_serialization();
    let browser = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| format!("browser: {e}"))?;
    let page = browser
        .get(authorize_url)
        .send()
        .await
        .map_err(|e| format!("consent page: {e}"))?
        .text()
        .await
        .map_err(|e| format!("consent page: {e}"))?;
    let action = between(&page, "action=\"", "\"").ok_or("no consent form")?;
    let consent = between(&page, "name=\"consent\" value=\"", "\"").ok_or("no consent id")?;
    let decision = if approve { "approve" } else { "deny" };
    let answer = browser
        .post(format!("{origin}{action}"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("consent={consent}&decision={decision}"))
        .send()
        .await
        .map_err(|e| format!("decision: {e}"))?;
    let location = answer
        .headers()
        .get("location")
        .and_then(|l| l.to_str().ok())
        .ok_or("no redirect after the decision")?
        .to_owned();
    let query = location
        .split_once('?')
        .map(|(_, q)| q.to_owned())
        .unwrap_or_default();
    Ok(Decided {
        page,
        location,
        query,
    })
}

fn between<'a>(text: &'a str, start: &str, end: &str) -> Option<&'a str> {
    let from = text.find(start)? + start.len();
    let len = text[from..].find(end)?;
    Some(&text[from..from + len])
}
