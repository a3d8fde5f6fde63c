//! The model clients against the local fakes, over loopback: the real request and answer
//! formats, tool loops, streaming cut at odd places, retries, and every failure typed.
#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

mod anthropic;
mod openai;
mod support;
