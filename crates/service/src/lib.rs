//! The use cases of FlowSense over storage and the analytics engine: accounts and sign-in,
//! organisations and their members, importing a file, an organisation's analysis and the cache
//! that keeps it. Web handlers, CLI commands and job workers call the same functions with a
//! [`Context`]; each module returns its own error enum, and the web crate alone turns them into
//! HTTP answers.

pub mod ai;
pub mod analysis;
pub mod analytics_cache;
pub mod audit;
pub mod background;
pub mod backup;
pub mod billing;
pub mod connections;
mod context;
pub mod corrections;
pub mod digest;
pub mod email;
pub mod export_schema;
mod field_error;
pub mod identity;
pub mod imports;
pub mod insights;
pub mod instance;
pub mod orgs;
pub mod planned;
pub mod providers;
pub mod rates;
pub mod retention;
pub mod sub_processors;
pub mod sync;
pub mod upload_preview;
pub mod uploads;
pub mod warm_up;
pub mod whatif;

pub use context::{Context, ContextSettings, Services};
pub use field_error::FieldError;
pub use providers::Providers;
