//! What FlowSense asks an AI model, and what it keeps of it: the [`assistant`] that answers a
//! member's questions through tools; insight narratives written from
//! figures only ([`narrate`], read back by [`narratives`]), the numbers in them checked against
//! those figures ([`number_check`]), names pseudonymised on the way out and restored on the way
//! back ([`pseudonyms`]), and the record and monthly allowance of every call ([`usage`]).

pub mod assistant;
pub mod narrate;
pub mod narratives;
pub mod number_check;
pub mod prompt;
pub mod pseudonyms;
pub mod usage;
