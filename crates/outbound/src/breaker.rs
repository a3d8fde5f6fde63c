//! A circuit breaker for calls to one partner (checklist H7): after [`BreakerPolicy::failures`]
//! calls in a row end with the partner unavailable (time-outs, refused connections, 5xx, 429
//! after the retries), calls fail at once for [`BreakerPolicy::cool_down`]; then one call is let
//! through as a probe, and its outcome closes the breaker or opens it again.

use std::sync::Mutex;
use std::time::{Duration, Instant};

/// When the breaker opens, and for how long.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BreakerPolicy {
    /// Calls in a row that ended with the partner unavailable before the breaker opens.
    pub failures: u32,
    /// How long calls fail at once before a probe is let through.
    pub cool_down: Duration,
}

impl Default for BreakerPolicy {
    fn default() -> Self {
        Self {
            failures: 5,
            cool_down: Duration::from_secs(30),
        }
    }
}

/// What the breaker says to one call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gate {
    /// Closed: go ahead.
    Pass,
    /// Half open: this call is the probe; its outcome decides.
    Probe,
    /// Open: fail now; a probe will be let through in about this long.
    Refused(Duration),
}

#[derive(Debug, Clone, Copy)]
enum State {
    Closed {
        failures: u32,
    },
    Open {
        until: Instant,
    },
    /// A probe went out at `since`; if it never reports (its caller gave up), another may go
    /// after a cool-down.
    Probing {
        since: Instant,
    },
}

/// One partner's breaker, shared by every call to it.
#[derive(Debug)]
pub struct Breaker {
    policy: BreakerPolicy,
    state: Mutex<State>,
}

impl Breaker {
    #[must_use]
    pub fn new(policy: BreakerPolicy) -> Self {
        Self {
            policy,
            state: Mutex::new(State::Closed { failures: 0 }),
        }
    }

    /// Whether a call may go out now.
    pub fn admit(&self) -> Gate {
        self.admit_at(Instant::now())
    }

    /// The call ended with an answer from the partner (a success, or a refusal that is not
    /// about its availability, such as a 401).
    pub fn answered(&self) {
        *self.lock() = State::Closed { failures: 0 };
    }

    /// The call ended with the partner unavailable.
    pub fn unavailable(&self) {
        self.unavailable_at(Instant::now());
    }

    fn admit_at(&self, now: Instant) -> Gate {
        let mut state = self.lock();
        match *state {
            State::Closed { .. } => Gate::Pass,
            State::Open { until } if now < until => Gate::Refused(until - now),
            State::Probing { since } if now < since + self.policy.cool_down => {
                Gate::Refused(since + self.policy.cool_down - now)
            }
            State::Open { .. } | State::Probing { .. } => {
                *state = State::Probing { since: now };
                Gate::Probe
            }
        }
    }

    fn unavailable_at(&self, now: Instant) {
        let mut state = self.lock();
        *state = match *state {
            State::Closed { failures } if failures + 1 < self.policy.failures => State::Closed {
                failures: failures + 1,
            },
            // The threshold reached, a failed probe, or a late failure while open.
            _ => State::Open {
                until: now + self.policy.cool_down,
            },
        };
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // A panic while holding the lock leaves a valid state: keep using it.
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn breaker() -> Breaker {
        Breaker::new(BreakerPolicy {
            failures: 3,
            cool_down: Duration::from_secs(10),
        })
    }

    #[test]
    fn it_opens_after_the_threshold_waits_the_cool_down_and_lets_one_probe_through() {
        let b = breaker();
        let t0 = Instant::now();
        for _ in 0..2 {
            assert_eq!(b.admit_at(t0), Gate::Pass);
            b.unavailable_at(t0);
        }
        assert_eq!(b.admit_at(t0), Gate::Pass, "two failures are not three");
        b.unavailable_at(t0);
        assert_eq!(b.admit_at(t0), Gate::Refused(Duration::from_secs(10)));
        let t9 = t0 + Duration::from_secs(9);
        assert_eq!(b.admit_at(t9), Gate::Refused(Duration::from_secs(1)));
        let t10 = t0 + Duration::from_secs(10);
        assert_eq!(b.admit_at(t10), Gate::Probe);
        assert!(
            matches!(b.admit_at(t10), Gate::Refused(_)),
            "one probe at a time"
        );
        // The probe fails: open again for a whole cool-down.
        b.unavailable_at(t10);
        assert_eq!(b.admit_at(t10), Gate::Refused(Duration::from_secs(10)));
        let t20 = t10 + Duration::from_secs(10);
        assert_eq!(b.admit_at(t20), Gate::Probe);
        // The probe is answered: closed, and the count starts again.
        b.answered();
        assert_eq!(b.admit_at(t20), Gate::Pass);
        b.unavailable_at(t20);
        b.unavailable_at(t20);
        assert_eq!(b.admit_at(t20), Gate::Pass);
    }

    #[test]
    fn an_answer_resets_the_count_and_a_lost_probe_is_replaced_after_a_cool_down() {
        let b = breaker();
        let t0 = Instant::now();
        b.unavailable_at(t0);
        b.unavailable_at(t0);
        b.answered();
        b.unavailable_at(t0);
        b.unavailable_at(t0);
        assert_eq!(b.admit_at(t0), Gate::Pass, "the answer reset the count");
        b.unavailable_at(t0);
        let t10 = t0 + Duration::from_secs(10);
        assert_eq!(b.admit_at(t10), Gate::Probe);
        // Its caller gave up and never said: after another cool-down, a new probe.
        assert!(matches!(
            b.admit_at(t10 + Duration::from_secs(5)),
            Gate::Refused(_)
        ));
        assert_eq!(b.admit_at(t10 + Duration::from_secs(10)), Gate::Probe);
    }
}
