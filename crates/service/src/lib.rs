//! The use cases of FlowSense over storage and the analytics engine: importing a file into an
//! organisation, an organisation's analysis and the cache that keeps it, warming that cache.
//! Web handlers, CLI commands and job workers call the same functions; each module returns its
//! own error enum, and the web crate alone turns them into HTTP answers.

pub mod analysis;
pub mod analytics_cache;
pub mod imports;
pub mod retention;
pub mod warm_up;
