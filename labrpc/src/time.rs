//! Virtual time: the [`Time`] instant of the simulated clock.
//!
//! The clock starts at zero and moves only when the simulator takes the next event
//! from its queue. Its resolution is one microsecond. Durations are plain
//! [`std::time::Duration`]s, so `Duration::from_millis(150)` reads the same in a
//! simulated server as anywhere else.

use std::fmt;
use std::ops::{Add, Sub};
use std::time::Duration;

use serde::{Deserialize, Serialize};

/// An instant of virtual time, counted in microseconds since the start of the run.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
pub struct Time(u64);

impl Time {
    /// The start of every run.
    pub const ZERO: Time = Time(0);

    /// The instant `micros` microseconds after the start.
    pub const fn from_micros(micros: u64) -> Time {
        Time(micros)
    }

    /// The instant `millis` milliseconds after the start.
    pub const fn from_millis(millis: u64) -> Time {
        Time(millis * 1000)
    }

    /// Microseconds since the start.
    pub const fn as_micros(self) -> u64 {
        self.0
    }

    /// Whole milliseconds since the start.
    pub const fn as_millis(self) -> u64 {
        self.0 / 1000
    }

    /// Time elapsed since the start, as a duration.
    pub const fn since_start(self) -> Duration {
        Duration::from_micros(self.0)
    }

    /// Time from `earlier` to `self`, or zero if `earlier` is later.
    pub fn saturating_since(self, earlier: Time) -> Duration {
        Duration::from_micros(self.0.saturating_sub(earlier.0))
    }
}

/// Converts a duration to whole microseconds, saturating at `u64::MAX`.
pub(crate) fn micros(d: Duration) -> u64 {
    u64::try_from(d.as_micros()).unwrap_or(u64::MAX)
}

impl Add<Duration> for Time {
    type Output = Time;
    fn add(self, d: Duration) -> Time {
        Time(self.0.saturating_add(micros(d)))
    }
}

impl Sub<Time> for Time {
    type Output = Duration;
    /// The duration from `earlier` to `self`; panics if `earlier` is later.
    fn sub(self, earlier: Time) -> Duration {
        assert!(
            earlier.0 <= self.0,
            "virtual time went backwards: {earlier} > {self}"
        );
        Duration::from_micros(self.0 - earlier.0)
    }
}

impl fmt::Display for Time {
    /// Seconds with microsecond precision, for example `12.000450s`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{:06}s", self.0 / 1_000_000, self.0 % 1_000_000)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arithmetic_and_display() {
        let t = Time::from_millis(1500) + Duration::from_micros(7);
        assert_eq!(t.as_micros(), 1_500_007);
        assert_eq!(t.as_millis(), 1500);
        assert_eq!(t.to_string(), "1.500007s");
        assert_eq!(t - Time::from_millis(500), Duration::from_micros(1_000_007));
        assert_eq!(Time::ZERO.saturating_since(t), Duration::ZERO);
    }
}
