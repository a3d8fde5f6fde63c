//! Structured logs to stderr. `RUST_LOG` picks the level (default `info`).

mod json_fields;

use crate::cli::LogFormat;
use json_fields::JsonSpanFields;
use tracing_subscriber::EnvFilter;

pub fn init(format: LogFormat) {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,tower_http=info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    // A second init (tests) is harmless: keep the first subscriber.
    let _ = match format {
        LogFormat::Json => builder.json().fmt_fields(JsonSpanFields).try_init(),
        LogFormat::Text => builder.compact().try_init(),
    };
}
