//! One bound on a wait. Every wait (an HTTP call with its retries, a back-off pause, a person
//! approving a login) takes a `Deadline` and never runs past it. All arithmetic saturates: a
//! server's `interval` or a setting of 2^64 seconds means "a long time", never an overflowed
//! `Instant` (which aborts the process).

use std::time::{Duration, Instant};

/// Longer than any wait ssoenv has a reason for; bigger budgets are cut to this.
const LONGEST: Duration = Duration::from_secs(7 * 24 * 3600);

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Deadline {
    at: Instant,
}

impl Deadline {
    /// `budget` from now (at most a week).
    pub fn after(budget: Duration) -> Deadline {
        Deadline {
            at: later(Instant::now(), budget),
        }
    }

    /// Time left; zero once passed.
    pub fn left(&self) -> Duration {
        self.at.saturating_duration_since(Instant::now())
    }

    pub fn passed(&self) -> bool {
        self.left().is_zero()
    }

    /// `wanted`, or less when the deadline comes first: the timeout for one step of a wait.
    pub fn cap(&self, wanted: Duration) -> Duration {
        wanted.min(self.left())
    }

    /// The same deadline moved `by` later (a wait that must not count against it).
    pub fn extended(self, by: Duration) -> Deadline {
        Deadline {
            at: later(self.at, by),
        }
    }

    /// Whichever comes first.
    pub fn min(self, other: Deadline) -> Deadline {
        if other.at < self.at { other } else { self }
    }

    /// Sleeps `wanted`, or until the deadline when that comes first. False when the deadline cut
    /// the sleep short (the caller's next step would have no time left).
    pub fn sleep(&self, wanted: Duration) -> bool {
        let left = self.left();
        std::thread::sleep(wanted.min(left));
        wanted < left
    }
}

fn later(t: Instant, by: Duration) -> Instant {
    t.checked_add(by.min(LONGEST))
        .or_else(|| t.checked_add(Duration::from_secs(3600)))
        .unwrap_or(t)
}

/// Positive seconds; anything too large for a `Duration` is `Duration::MAX` (clamped later).
pub fn parse_seconds(v: &str) -> Option<Duration> {
    let secs: f64 = v.trim().parse().ok()?;
    if secs.is_nan() || secs <= 0.0 {
        return None;
    }
    Some(Duration::try_from_secs_f64(secs).unwrap_or(Duration::MAX))
}

/// `30`, `0.25`: a duration as a person writes it.
pub fn secs(d: Duration) -> String {
    if d.subsec_nanos() == 0 {
        d.as_secs().to_string()
    } else {
        let s = format!("{:.3}", d.as_secs_f64());
        s.trim_end_matches('0').trim_end_matches('.').to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn huge_budgets_saturate_instead_of_overflowing() {
        for huge in [Duration::MAX, Duration::from_secs(1 << 63), LONGEST * 2] {
            let d = Deadline::after(huge);
            assert!(d.left() > Duration::from_secs(3600));
            assert!(d.left() <= LONGEST);
            let d = d.extended(huge);
            assert!(d.left() <= LONGEST * 2);
        }
        let soon = Deadline::after(Duration::from_millis(1));
        assert_eq!(soon.min(Deadline::after(Duration::MAX)), soon);
    }

    #[test]
    fn sleeps_never_pass_the_deadline() {
        let d = Deadline::after(Duration::from_millis(20));
        assert!(!d.sleep(Duration::MAX));
        assert!(d.passed());
        assert_eq!(d.cap(Duration::from_secs(30)), Duration::ZERO);
        let far = Deadline::after(Duration::from_secs(60));
        assert!(far.sleep(Duration::from_millis(1)));
        assert_eq!(far.cap(Duration::from_millis(5)), Duration::from_millis(5));
    }

    #[test]
    fn settings_parse_positive_seconds_and_clamp() {
        assert_eq!(parse_seconds("2"), Some(Duration::from_secs(2)));
        assert_eq!(parse_seconds(" 0.5 "), Some(Duration::from_millis(500)));
        assert_eq!(parse_seconds("18446744073709551615"), Some(Duration::MAX));
        assert_eq!(parse_seconds("1e300"), Some(Duration::MAX));
        assert_eq!(parse_seconds("inf"), Some(Duration::MAX));
        for bad in ["0", "-1", "x", "", "NaN", "-inf"] {
            assert_eq!(parse_seconds(bad), None, "{bad}");
        }
        assert_eq!(secs(Duration::from_secs(30)), "30");
        assert_eq!(secs(Duration::from_millis(1500)), "1.5");
    }
}
