//! Span fields in JSON logs, written once and appended to.
//!
//! `tracing_subscriber`'s own `JsonFields` writes a span's fields as a JSON object when the span
//! opens, and for each field recorded later parses that object, adds the field and writes it
//! again. Every request's span has its organisation and user recorded once they are known, so
//! that parse and rewrite ran on every signed-in request, most of which log nothing: 5% of a JSON
//! report's time under load (bench/README.md). Here a later field is appended inside the object
//! instead. The JSON event formatter reads the object back with `serde_json`, where a field
//! recorded twice keeps its last value, as before.

use std::fmt::{self, Write};
use tracing::field::{Field, Visit};
use tracing_subscriber::field::RecordFields;
use tracing_subscriber::fmt::FormattedFields;
use tracing_subscriber::fmt::format::{FormatFields, Writer};

/// The span field formatter of `--log-format json`.
#[derive(Debug, Default, Clone, Copy)]
pub struct JsonSpanFields;

impl<'writer> FormatFields<'writer> for JsonSpanFields {
    fn format_fields<R: RecordFields>(
        &self,
        mut writer: Writer<'writer>,
        fields: R,
    ) -> fmt::Result {
        writer.write_char('{')?;
        let mut members = Members::new(&mut writer, true);
        fields.record(&mut members);
        members.result?;
        writer.write_char('}')
    }

    fn add_fields(
        &self,
        current: &'writer mut FormattedFields<Self>,
        fields: &tracing::span::Record<'_>,
    ) -> fmt::Result {
        let object = &mut current.fields;
        if object.is_empty() {
            return self.format_fields(current.as_writer(), fields);
        }
        // `{…}` as written above: reopen it, add the members, close it again.
        if object.pop() != Some('}') {
            return Err(fmt::Error);
        }
        let first = object.ends_with('{');
        let mut members = Members::new(object, first);
        fields.record(&mut members);
        let result = members.result;
        object.push('}');
        result
    }
}

/// Writes `"name":value` members of a JSON object, comma-separated.
struct Members<'a, W: Write> {
    out: &'a mut W,
    first: bool,
    result: fmt::Result,
}

impl<'a, W: Write> Members<'a, W> {
    fn new(out: &'a mut W, first: bool) -> Self {
        Self {
            out,
            first,
            result: Ok(()),
        }
    }

    /// One member, its value written by `value`.
    fn member(&mut self, field: &Field, value: impl FnOnce(&mut W) -> fmt::Result) {
        if self.result.is_err() {
            return;
        }
        self.result = (|| {
            if !self.first {
                self.out.write_char(',')?;
            }
            self.first = false;
            json_string(self.out, field.name())?;
            self.out.write_char(':')?;
            value(self.out)
        })();
    }
}

impl<W: Write> Visit for Members<'_, W> {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.member(field, |out| json_string(out, value));
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.member(field, |out| {
            out.write_char('"')?;
            write!(Escaped(out), "{value:?}")?;
            out.write_char('"')
        });
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        self.member(field, |out| write!(out, "{value}"));
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        self.member(field, |out| write!(out, "{value}"));
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        self.member(field, |out| write!(out, "{value}"));
    }

    fn record_f64(&mut self, field: &Field, value: f64) {
        // JSON has no NaN or infinity; serde_json writes them as null too.
        if value.is_finite() {
            self.member(field, |out| write!(out, "{value}"));
        } else {
            self.member(field, |out| out.write_str("null"));
        }
    }
}

/// `s` as a JSON string (RFC 8259 §7: quote, backslash and control characters escaped).
fn json_string(out: &mut impl Write, s: &str) -> fmt::Result {
    out.write_char('"')?;
    Escaped(out).write_str(s)?;
    out.write_char('"')
}

/// Writes what it is given as the inside of a JSON string.
struct Escaped<'a, W: Write>(&'a mut W);

impl<W: Write> Write for Escaped<'_, W> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let mut plain = 0;
        for (i, c) in s.char_indices() {
            let escaped = match c {
                '"' => "\\\"",
                '\\' => "\\\\",
                '\n' => "\\n",
                '\r' => "\\r",
                '\t' => "\\t",
                c if c < ' ' => "",
                _ => continue,
            };
            self.0.write_str(&s[plain..i])?;
            if escaped.is_empty() {
                write!(self.0, "\\u{:04x}", u32::from(c))?;
            } else {
                self.0.write_str(escaped)?;
            }
            plain = i + c.len_utf8();
        }
        self.0.write_str(&s[plain..])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io;
    use std::sync::{Arc, Mutex};
    use tracing_subscriber::fmt::MakeWriter;

    #[derive(Clone, Default)]
    struct Lines(Arc<Mutex<Vec<u8>>>);

    impl io::Write for Lines {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.0.lock().expect("lock").extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    impl<'a> MakeWriter<'a> for Lines {
        type Writer = Self;
        fn make_writer(&'a self) -> Self {
            self.clone()
        }
    }

    /// The JSON log lines written while `f` runs, parsed.
    fn logged(f: impl FnOnce()) -> Vec<serde_json::Value> {
        let lines = Lines::default();
        let subscriber = tracing_subscriber::fmt()
            .json()
            .fmt_fields(JsonSpanFields)
            .with_writer(lines.clone())
            .finish();
        tracing::subscriber::with_default(subscriber, f);
        let bytes = lines.0.lock().expect("lock").clone();
        String::from_utf8(bytes)
            .expect("UTF-8")
            .lines()
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
            .collect()
    }

    #[test]
    fn fields_recorded_later_join_the_spans_object_and_the_last_value_wins() {
        let lines = logged(|| {
            let span = tracing::info_span!(
                "request",
                route = "/api/v1/orgs/{org}",
                request_id = "r-1",
                org = tracing::field::Empty,
                user = tracing::field::Empty,
                status = tracing::field::Empty,
            );
            let _in = span.enter();
            tracing::info!("before");
            span.record("org", "o-1");
            span.record("user", tracing::field::display("u-1"));
            span.record("status", 200_u64);
            span.record("org", "o-2");
            tracing::info!("after");
        });
        assert_eq!(lines.len(), 2);
        let before = &lines[0]["span"];
        assert_eq!(before["route"], "/api/v1/orgs/{org}");
        assert_eq!(before["request_id"], "r-1");
        assert!(before.get("org").is_none(), "{before}");
        let after = &lines[1]["span"];
        assert_eq!(after["route"], "/api/v1/orgs/{org}");
        assert_eq!(after["org"], "o-2");
        assert_eq!(after["user"], "u-1");
        assert_eq!(after["status"], 200);
        assert_eq!(lines[1]["spans"][0]["org"], "o-2");
    }

    #[test]
    fn a_span_without_fields_gets_its_first_ones_later() {
        let lines = logged(|| {
            let span = tracing::info_span!("job", id = tracing::field::Empty);
            let _in = span.enter();
            span.record("id", -7_i64);
            span.record("id", 1.5_f64);
            tracing::info!("done");
        });
        assert_eq!(lines[0]["span"]["id"], 1.5);
    }

    #[test]
    fn strings_are_escaped_as_json() {
        let nasty = "quote \" backslash \\ newline \n tab \t bell \u{7} é ∑ 😀";
        let lines = logged(|| {
            let span = tracing::info_span!("s", text = nasty, debug = ?nasty, nan = f64::NAN);
            let _in = span.enter();
            tracing::info!("x");
        });
        let span = &lines[0]["span"];
        assert_eq!(span["text"], nasty);
        assert_eq!(span["debug"], format!("{nasty:?}"));
        assert!(span["nan"].is_null());
    }
}
