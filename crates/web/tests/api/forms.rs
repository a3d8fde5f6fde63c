//! A person at a browser for the page tests: keeps cookies, posts forms from our own origin,
//! does not follow redirects (so each answer is checked as sent), and reads pages' fields.

use crate::support::TestApp;
use reqwest::StatusCode;
use reqwest::header::{HeaderMap, LOCATION, SET_COOKIE};

pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

impl Answer {
    pub fn location(&self) -> &str {
        self.headers
            .get(LOCATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }

    pub fn set_cookie(&self) -> &str {
        self.headers
            .get(SET_COOKIE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }

    /// The value of the first `<input … name="{name}" value="…">` on the page.
    pub fn input(&self, name: &str) -> String {
        input_value(&self.body, name).unwrap_or_else(|| panic!("no {name} field in {}", self.body))
    }
}

/// The `value` of the first element named `name` (an empty string when it has none).
pub fn input_value(html: &str, name: &str) -> Option<String> {
    let at = html.find(&format!(" name=\"{name}\""))?;
    let tag = &html[at..at + html[at..].find('>')?];
    Some(
        tag.split_once(" value=\"")
            .and_then(|(_, rest)| rest.split('"').next())
            .unwrap_or_default()
            .to_owned(),
    )
}

/// The text of the element with `id` (up to its first tag), trimmed.
pub fn text_of(html: &str, id: &str) -> Option<String> {
    let at = html.find(&format!("id=\"{id}\""))?;
    let rest = &html[at..];
    let start = rest.find('>')? + 1;
    let end = rest[start..].find('<')?;
    Some(rest[start..start + end].trim().to_owned())
}

pub struct Person {
    pub http: reqwest::Client,
    pub base: String,
}

impl Person {
    pub fn new(app: &TestApp) -> Self {
        Self {
            http: reqwest::Client::builder()
                .cookie_store(true)
                .redirect(reqwest::redirect::Policy::none())
                .user_agent("Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0")
                .build()
                .expect("client"),
            base: app.base.clone(),
        }
    }

    async fn answer(r: reqwest::RequestBuilder) -> Answer {
        let resp = r.send().await.expect("request");
        Answer {
            status: resp.status(),
            headers: resp.headers().clone(),
            body: resp.text().await.expect("body"),
        }
    }

    pub async fn get(&self, path: &str) -> Answer {
        Self::answer(self.http.get(format!("{}{path}", self.base))).await
    }

    /// Posts a form as the browser does from one of our pages.
    pub async fn post(&self, path: &str, form: &[(&str, &str)]) -> Answer {
        Self::answer(
            self.http
                .post(format!("{}{path}", self.base))
                .header("origin", self.base.as_str())
                .form(form),
        )
        .await
    }

    /// Signs in through the form.
    pub async fn sign_in(&self, email: &str, password: &str) -> Answer {
        let a = self
            .post("/login", &[("email", email), ("password", password)])
            .await;
        assert_eq!(a.status, StatusCode::SEE_OTHER, "sign-in: {}", a.body);
        a
    }

    /// The CSRF token the profile page's forms carry.
    pub async fn csrf(&self) -> String {
        let page = self.get("/app/profile").await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        page.input("csrf_token")
    }

    /// Posts a profile form with this session's CSRF token.
    pub async fn submit(&self, path: &str, form: &[(&str, &str)]) -> Answer {
        let csrf = self.csrf().await;
        let mut fields = vec![("csrf_token", csrf.as_str())];
        fields.extend_from_slice(form);
        self.post(path, &fields).await
    }
}

/// Every page must keep to the CSP: no inline style or script. A script is a file of this
/// server's own (`<script src="/assets/…"></script>`, nothing between the tags).
pub fn assert_clean(html: &str) {
    assert!(!html.contains("style="), "inline style");
    assert!(!html.contains("<style"), "style element");
    for (at, _) in html.match_indices("<script") {
        let rest = &html[at..];
        let tag_end = rest.find('>').expect("a script tag ends");
        let tag = &rest[..tag_end];
        assert!(tag.contains(" src=\"/assets/"), "an inline script: {tag}");
        assert!(
            rest[tag_end + 1..].starts_with("</script>"),
            "a script with a body: {tag}"
        );
    }
}
