//! One way to log an error: the error and every cause under it, on one line
//! (`the import could not be written: database error: database is locked`), so a log never
//! stops at the outermost "database error".

use std::fmt;

/// Displays an error followed by its sources, separated by `: `.
pub struct ErrorChain<'a>(pub &'a (dyn std::error::Error + 'static));

impl fmt::Display for ErrorChain<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)?;
        let mut cause = self.0.source();
        while let Some(c) = cause {
            write!(f, ": {c}")?;
            cause = c.source();
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::ErrorChain;

    #[derive(Debug, thiserror::Error)]
    #[error("the import could not be written")]
    struct Outer(#[source] Inner);

    #[derive(Debug, thiserror::Error)]
    #[error("database error")]
    struct Inner(#[source] std::io::Error);

    #[test]
    fn every_cause_is_shown_outermost_first() {
        let e = Outer(Inner(std::io::Error::other("database is locked")));
        assert_eq!(
            ErrorChain(&e).to_string(),
            "the import could not be written: database error: database is locked"
        );
    }
}
