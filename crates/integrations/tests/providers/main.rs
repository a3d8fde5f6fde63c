//! The provider clients against their local fakes: one test binary for the crate.

mod quickbooks;
mod xero;
