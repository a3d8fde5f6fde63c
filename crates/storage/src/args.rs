//! One statement and its arguments, bound the same way on either backend.
//!
//! The SQL text uses `$1..$N` placeholders, which both SQLite and PostgreSQL accept.
//!
//! Every fixed statement lives in its own file under `crates/storage/sql/` and is embedded with
//! [`sql!`]; the check crates under `crates/storage-check/` prepare each of those files against
//! both databases at compile time (see `sql/README.md`). Only statements that are assembled at run
//! time stay in Rust, listed in `sql/README.md` with the reason.

use chrono::{DateTime, NaiveDate, Utc};
use std::borrow::Cow;
use uuid::Uuid;

#[derive(Debug, Clone)]
pub(crate) enum Arg {
    I64(i64),
    OptI64(Option<i64>),
    Bool(bool),
    Text(String),
    OptText(Option<String>),
    Date(NaiveDate),
    OptDate(Option<NaiveDate>),
    Time(DateTime<Utc>),
    OptTime(Option<DateTime<Utc>>),
    Uuid(Uuid),
    OptUuid(Option<Uuid>),
    Bytes(Vec<u8>),
    OptBytes(Option<Vec<u8>>),
}

/// The text of `crates/storage/sql/<name>.sql`, embedded at compile time.
macro_rules! sql_text {
    ($name:literal) => {
        include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/sql/", $name, ".sql"))
    };
}
pub(crate) use sql_text;

/// The statement in `crates/storage/sql/<name>.sql`, ready for its arguments:
/// `sql!("accounts/ensure").arg(org)`.
macro_rules! sql {
    ($name:literal) => {
        $crate::args::Sql::new($crate::args::sql_text!($name))
    };
}
pub(crate) use sql;

/// A statement with its arguments in placeholder order.
#[derive(Debug, Clone)]
pub(crate) struct Sql {
    pub text: Cow<'static, str>,
    pub args: Vec<Arg>,
}

impl Sql {
    pub fn new(text: impl Into<Cow<'static, str>>) -> Self {
        Self {
            text: text.into(),
            args: Vec::new(),
        }
    }

    /// Adds the next argument (`$n` where n is the new count).
    pub fn arg(mut self, a: impl Into<Arg>) -> Self {
        self.args.push(a.into());
        self
    }

    /// Pushes an argument and returns its placeholder, for statements built piece by piece.
    pub fn push_arg(&mut self, a: impl Into<Arg>) -> String {
        self.args.push(a.into());
        format!("${}", self.args.len())
    }
}

macro_rules! arg_from {
    ($($t:ty => $v:ident),* $(,)?) => { $(impl From<$t> for Arg { fn from(x: $t) -> Self { Arg::$v(x) } })* };
}
arg_from!(
    i64 => I64, Option<i64> => OptI64, bool => Bool, String => Text, Option<String> => OptText,
    NaiveDate => Date, Option<NaiveDate> => OptDate, DateTime<Utc> => Time,
    Option<DateTime<Utc>> => OptTime, Uuid => Uuid, Option<Uuid> => OptUuid, Vec<u8> => Bytes,
    Option<Vec<u8>> => OptBytes,
);

impl From<&str> for Arg {
    fn from(x: &str) -> Self {
        Arg::Text(x.to_owned())
    }
}

impl From<flowsense_core::OrgId> for Arg {
    fn from(x: flowsense_core::OrgId) -> Self {
        Arg::Uuid(x.0)
    }
}

impl From<flowsense_core::UserId> for Arg {
    fn from(x: flowsense_core::UserId) -> Self {
        Arg::Uuid(x.0)
    }
}

/// Binds every argument of `$args` onto the sqlx query `$q` (works for either backend).
macro_rules! bind_args {
    ($q:expr, $args:expr) => {{
        let mut q = $q;
        for a in $args {
            q = match a {
                $crate::args::Arg::I64(v) => q.bind(v),
                $crate::args::Arg::OptI64(v) => q.bind(v),
                $crate::args::Arg::Bool(v) => q.bind(v),
                $crate::args::Arg::Text(v) => q.bind(v),
                $crate::args::Arg::OptText(v) => q.bind(v),
                $crate::args::Arg::Date(v) => q.bind(v),
                $crate::args::Arg::OptDate(v) => q.bind(v),
                $crate::args::Arg::Time(v) => q.bind(v),
                $crate::args::Arg::OptTime(v) => q.bind(v),
                $crate::args::Arg::Uuid(v) => q.bind(v),
                $crate::args::Arg::OptUuid(v) => q.bind(v),
                $crate::args::Arg::Bytes(v) => q.bind(v),
                $crate::args::Arg::OptBytes(v) => q.bind(v),
            };
        }
        q
    }};
}
pub(crate) use bind_args;
