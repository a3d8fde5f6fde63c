//! One outgoing message and how it becomes RFC 5322 bytes: a plain-text part, optionally an
//! HTML alternative whose images travel inside the message (multipart/related, referenced by
//! `cid:`), and the RFC 8058 one-click unsubscribe headers. Nothing in a message fetches
//! anything remote: no tracking pixels, no remote images.

use crate::MailError;
use lettre::Message;
use lettre::message::header::{ContentType, Header, HeaderName, HeaderValue};
use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart};

/// An image shown inside the HTML part, referenced there as `cid:{content_id}`.
#[derive(Clone)]
pub struct InlineImage {
    /// The `Content-ID` without angle brackets, e.g. `cash-chart@flowsense`.
    pub content_id: String,
    pub png: Vec<u8>,
}

/// Where a recipient unsubscribes from this kind of message.
#[derive(Clone)]
pub struct ListUnsubscribe {
    /// An `https://` (or `http://`) link that works without signing in.
    pub url: String,
    /// The link accepts `POST` with `List-Unsubscribe=One-Click` (RFC 8058): mail clients then
    /// offer an unsubscribe button that needs no page visit.
    pub one_click: bool,
}

/// A message to one recipient: always a plain-text part, optionally an HTML alternative.
#[derive(Clone)]
pub struct Email {
    pub to: String,
    pub subject: String,
    /// The plain-text part.
    pub body: String,
    pub html: Option<String>,
    /// Images the HTML part shows; they need an HTML part.
    pub inline_images: Vec<InlineImage>,
    pub unsubscribe: Option<ListUnsubscribe>,
}

/// Bodies carry single-use links and financial figures; keep them out of logs.
impl std::fmt::Debug for Email {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Email")
            .field("subject", &self.subject)
            .field("html", &self.html.is_some())
            .field("inline_images", &self.inline_images.len())
            .finish_non_exhaustive()
    }
}

impl Email {
    /// A plain-text message, as verification, reset and invitation mails are.
    #[must_use]
    pub fn text(
        to: impl Into<String>,
        subject: impl Into<String>,
        body: impl Into<String>,
    ) -> Self {
        Self {
            to: to.into(),
            subject: subject.into(),
            body: body.into(),
            html: None,
            inline_images: Vec::new(),
            unsubscribe: None,
        }
    }

    /// Adds the HTML alternative of the text part.
    #[must_use]
    pub fn with_html(mut self, html: impl Into<String>) -> Self {
        self.html = Some(html.into());
        self
    }

    /// Adds a PNG the HTML part shows as `<img src="cid:{content_id}">`.
    #[must_use]
    pub fn with_inline_png(mut self, content_id: impl Into<String>, png: Vec<u8>) -> Self {
        self.inline_images.push(InlineImage {
            content_id: content_id.into(),
            png,
        });
        self
    }

    /// Adds `List-Unsubscribe` (and, when `one_click`, `List-Unsubscribe-Post`).
    #[must_use]
    pub fn with_unsubscribe(mut self, url: impl Into<String>, one_click: bool) -> Self {
        self.unsubscribe = Some(ListUnsubscribe {
            url: url.into(),
            one_click,
        });
        self
    }

    /// The message as lettre builds it, from `from`, with a fresh `Message-ID` in the sender's
    /// domain and the current `Date`.
    ///
    /// # Errors
    /// A permanent [`MailError`] when the recipient is not an address, an inline image or the
    /// unsubscribe link could not be carried safely in a header, or images come without HTML.
    pub fn to_message(&self, from: &Mailbox) -> Result<Message, MailError> {
        let to: Mailbox = self.to.trim().parse().map_err(|e| {
            MailError::permanent_because("the recipient is not an e-mail address", e)
        })?;
        let mut builder = Message::builder()
            .from(from.clone())
            .to(to)
            .subject(single_line(&self.subject))
            .message_id(Some(format!(
                "<{}@{}>",
                uuid::Uuid::new_v4(),
                from.email.domain()
            )))
            .date_now();
        if let Some(unsubscribe) = &self.unsubscribe {
            let url = header_safe_url(&unsubscribe.url)?;
            builder = builder.header(ListUnsubscribeHeader(url));
            if unsubscribe.one_click {
                builder = builder.header(ListUnsubscribePostHeader);
            }
        }
        let built = match (&self.html, self.inline_images.is_empty()) {
            (None, true) => builder.singlepart(SinglePart::plain(self.body.clone())),
            (None, false) => {
                return Err(MailError::permanent("inline images need an HTML part"));
            }
            (Some(html), true) => builder.multipart(MultiPart::alternative_plain_html(
                self.body.clone(),
                html.clone(),
            )),
            (Some(html), false) => {
                let mut related = MultiPart::related().singlepart(SinglePart::html(html.clone()));
                for image in &self.inline_images {
                    let id = header_safe_content_id(&image.content_id)?;
                    related = related
                        .singlepart(Attachment::new_inline(id).body(image.png.clone(), png_type()));
                }
                builder.multipart(
                    MultiPart::alternative()
                        .singlepart(SinglePart::plain(self.body.clone()))
                        .multipart(related),
                )
            }
        };
        built.map_err(|e| MailError::permanent_because("the message could not be built", e))
    }
}

fn png_type() -> ContentType {
    ContentType::parse("image/png").unwrap_or(ContentType::TEXT_PLAIN)
}

/// A header value cannot carry a line break (header injection); other control characters go too.
fn single_line(s: &str) -> String {
    s.chars().filter(|c| !c.is_control()).collect()
}

/// The URL goes into `<…>` unencoded, so it must be plain printable ASCII without `<`, `>`,
/// `,` or spaces, and an `http(s)` link (RFC 8058 requires HTTPS; `http` serves local setups).
fn header_safe_url(url: &str) -> Result<String, MailError> {
    let printable = url
        .bytes()
        .all(|b| b.is_ascii_graphic() && !matches!(b, b'<' | b'>' | b','));
    let web = url.starts_with("https://") || url.starts_with("http://");
    if printable && web && url.len() <= 900 {
        Ok(url.to_owned())
    } else {
        Err(MailError::permanent(
            "the unsubscribe link cannot be carried in a header",
        ))
    }
}

fn header_safe_content_id(id: &str) -> Result<String, MailError> {
    let ok = !id.is_empty()
        && id.len() <= 100
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'@' | b'.' | b'-' | b'_'));
    if ok {
        Ok(id.to_owned())
    } else {
        Err(MailError::permanent(
            "an inline image has an unusable Content-ID",
        ))
    }
}

/// `List-Unsubscribe: <https://…>` (RFC 2369), the URL already checked by [`header_safe_url`].
#[derive(Clone)]
struct ListUnsubscribeHeader(String);

impl Header for ListUnsubscribeHeader {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("List-Unsubscribe")
    }

    fn parse(s: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        let url = s.trim().trim_start_matches('<').trim_end_matches('>');
        Ok(Self(header_safe_url(url)?))
    }

    fn display(&self) -> HeaderValue {
        let value = format!("<{}>", self.0);
        // Checked printable ASCII without spaces: safe to write as it is (no folding inside
        // the URL, which some clients would not unfold).
        HeaderValue::dangerous_new_pre_encoded(Self::name(), value.clone(), value)
    }
}

/// `List-Unsubscribe-Post: List-Unsubscribe=One-Click` (RFC 8058).
#[derive(Clone)]
struct ListUnsubscribePostHeader;

const ONE_CLICK: &str = "List-Unsubscribe=One-Click";

impl Header for ListUnsubscribePostHeader {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("List-Unsubscribe-Post")
    }

    fn parse(s: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        if s.trim() == ONE_CLICK {
            Ok(Self)
        } else {
            Err("not a one-click unsubscribe".into())
        }
    }

    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), ONE_CLICK.to_owned())
    }
}
