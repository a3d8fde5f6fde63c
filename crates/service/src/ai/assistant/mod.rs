//! The assistant: a member's question answered by the model, which reads the organisation's
//! books through [`tools`] (scoped to the asker's organisation, bounded, their input checked),
//! in a bounded number of rounds and tokens, each model call recorded and counted against the
//! monthly allowance. The answer streams as [`AssistantEvent`]s; the question and the answer
//! are kept in a conversation sealed with the organisation's key ([`conversation`]).

pub mod ask;
pub mod conversation;
pub mod names;
pub mod prompt;
mod round;
mod run;
pub mod tools;

pub use ask::{AssistantError, AssistantEvent, Done, Prepared, Question, Stopped, prepare};
pub use run::{answer, run};
