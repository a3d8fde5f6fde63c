//! What the `stripe_answers` fuzz target (`fuzz/fuzz_targets/stripe_answers.rs`) checks on every
//! input, kept here so that the inputs it found are replayed by the ordinary `cargo test` (the
//! test below reads `fuzz/regressions/stripe_answers/` and `fuzz/seeds/stripe_answers/`) without
//! cargo-fuzz.
//!
//! An input is a letter saying which answer of Stripe's API the body is, then the body: `C` a
//! customer, `K` a Checkout Session, `P` a Billing Portal session, `S` a subscription, `D` what a
//! DELETE answers, `E` an error body; any other byte picks one by its value. Checked, besides not
//! panicking: the same body reads the same way twice; a subscription's price is its first item's
//! and its period ends at the latest of its items'; an error body that is not Stripe's error
//! object gives no type and no message.
//!
//! Compiled for tests and fuzzing builds only (`cfg(fuzzing)` is set by cargo-fuzz).

use super::model::{CheckoutSession, Customer, Deleted, PortalSession, Subscription, describe};
use serde::de::DeserializeOwned;

/// Checks one input.
///
/// # Panics
/// When a property above does not hold.
pub fn check_stripe_answer(data: &[u8]) {
    let Some((&pick, body)) = data.split_first() else {
        return;
    };
    let pick = match pick {
        b'C' | b'K' | b'P' | b'S' | b'D' | b'E' => pick,
        other => b"CKPSDE"[usize::from(other) % 6],
    };
    match pick {
        b'C' => {
            same_twice::<Customer>(body);
        }
        b'K' => {
            same_twice::<CheckoutSession>(body);
        }
        b'P' => {
            same_twice::<PortalSession>(body);
        }
        b'D' => {
            same_twice::<Deleted>(body);
        }
        b'S' => {
            if let Some(subscription) = same_twice::<Subscription>(body) {
                subscription_holds(&subscription);
            }
        }
        _ => error_body(body),
    }
}

/// Reads `body` as `T` twice: both readings agree.
fn same_twice<T: DeserializeOwned + PartialEq + std::fmt::Debug>(body: &[u8]) -> Option<T> {
    let first = serde_json::from_slice::<T>(body).ok();
    let again = serde_json::from_slice::<T>(body).ok();
    assert_eq!(first, again, "not deterministic");
    first
}

fn subscription_holds(s: &Subscription) {
    assert_eq!(
        s.price_id(),
        s.items.data.first().map(|i| i.price.id.as_str()),
        "the price is not the first item's"
    );
    let ends: Vec<i64> = s
        .items
        .data
        .iter()
        .filter_map(|i| i.current_period_end)
        .collect();
    match s.current_period_end() {
        None => assert!(ends.is_empty(), "a period end was dropped"),
        Some(end) => assert!(
            ends.contains(&end) && ends.iter().all(|e| *e <= end),
            "the period does not end at the latest item's end"
        ),
    }
}

fn error_body(body: &[u8]) {
    let (kind, message) = describe(body);
    assert_eq!(
        (kind.clone(), message.clone()),
        describe(body),
        "not deterministic"
    );
    let is_error_object = serde_json::from_slice::<serde_json::Value>(body)
        .ok()
        .and_then(|v| v.get("error").filter(|e| e.is_object()).cloned())
        .is_some();
    if !is_error_object {
        assert!(
            kind.is_empty() && message.is_empty(),
            "a type or message read from something other than Stripe's error object"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stripe_answers_regressions_and_seeds_pass() {
        flowsense_test_support::fuzz_inputs::replay_fuzz_target(
            "stripe_answers",
            check_stripe_answer,
        );
    }

    /// The seeds are answers the client reads, so fuzzing starts from what billing reads.
    #[test]
    fn every_seed_reads() {
        let dir =
            flowsense_test_support::fuzz_inputs::repo_root().join("fuzz/seeds/stripe_answers");
        let mut read = 0;
        for entry in std::fs::read_dir(&dir).expect("the seeds") {
            let path = entry.expect("a directory entry").path();
            let data = std::fs::read(&path).expect("a readable seed");
            let (&pick, body) = data.split_first().expect("a letter");
            let ok = match pick {
                b'C' => serde_json::from_slice::<Customer>(body).is_ok(),
                b'K' => serde_json::from_slice::<CheckoutSession>(body).is_ok(),
                b'P' => serde_json::from_slice::<PortalSession>(body).is_ok(),
                b'S' => serde_json::from_slice::<Subscription>(body).is_ok(),
                b'D' => serde_json::from_slice::<Deleted>(body).is_ok_and(|d| d.deleted),
                b'E' => {
                    let (kind, _) = describe(body);
                    kind == "invalid_request_error" || body.starts_with(b"<html>")
                }
                _ => panic!("{} has no answer letter", path.display()),
            };
            assert!(ok, "{} does not read", path.display());
            read += 1;
        }
        assert!(read >= 8, "{read} seeds");
    }
}
