//! FlowSense core: domain types shared by every layer and the analytics engine.
//!
//! Nothing in this crate performs I/O. Storage, importers and the web layer feed it
//! [`books::Books`] and render what it returns.

#[expect(
    clippy::disallowed_methods,
    reason = "the engine's estimates (forecasts, statistics) are the one place minor units go through f64"
)]
pub mod analytics;
pub mod books;
pub mod clock;
pub mod error_chain;
pub mod flow_class;
pub mod format;
pub mod fx;
pub mod ids;
pub mod money;
pub mod names;
pub mod planned;
pub mod role;
pub mod synced;

pub use books::{Books, DocKind, Document, Txn};
pub use error_chain::ErrorChain;
pub use flow_class::FlowClass;
pub use ids::{OrgId, UserId};
pub use money::{Currency, Money, MoneyError};
pub use names::{NameError, PlainName};
pub use planned::{PlannedFlow, Repeat};
pub use role::Role;
