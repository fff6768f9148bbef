//! [`VirtualClock`]: a node's own clock, owned by the host, on which its protocol's timers are
//! armed and fired; and [`ClockSetting`], what the harness asks of it.
//!
//! `virtual = anchor_virtual + rate × (real − anchor_real)`. A setting `(offset, rate)` applied
//! at real time `t` re-anchors the clock there: from `t` on it reads `t + offset` and runs
//! `rate` times as fast as the real (monotonic) clock. The identity (offset 0, rate 1) is the
//! clock of a node nobody skews.
//!
//! Timers live in virtual time: a timer of duration `d` armed at virtual `v` is due when the
//! clock reaches `v + d`. The real instant a deadline falls on ([`VirtualClock::real_at`]) is
//! recomputed from the current anchor every time it is asked for, so a change of setting
//! re-times every pending timer: a step forward makes the timers it steps over due at once, a
//! step back postpones them, a slower rate stretches them. This is Gray & Cheriton's model of
//! a host clock ("Leases", SOSP 1989, §2: clocks whose rates differ by a bounded ε), with the
//! bound broken on purpose.
//!
//! Pure: no I/O; times are passed in.

use std::time::Duration;

use tokio::time::Instant;

/// The rates a setting may ask for: slower than 1/100 or faster than 100× is refused (a rate
/// of 0 would stop the clock and never fire a timer again).
pub const RATE_RANGE: std::ops::RangeInclusive<f64> = 0.01..=100.0;

/// What the harness asks of a node's clock: generation `generation` (so the harness can tell
/// its request was applied), `offset_ms` off the real clock as of the moment it is applied,
/// running at `rate`. Spelled `GENERATION OFFSET_MS RATE` on one line (`7 -2500 1`,
/// `8 0 0.5`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ClockSetting {
    /// Increases with every request the harness writes.
    pub generation: u64,
    /// Milliseconds ahead of (positive) or behind (negative) the real clock.
    pub offset_ms: i64,
    /// How fast the clock runs, relative to the real one.
    pub rate: f64,
}

impl ClockSetting {
    /// The real clock (generation 0).
    pub const REAL: ClockSetting = ClockSetting {
        generation: 0,
        offset_ms: 0,
        rate: 1.0,
    };

    /// Parses `GENERATION OFFSET_MS RATE`; the error says what was expected.
    pub fn parse(text: &str) -> Result<ClockSetting, String> {
        let words: Vec<&str> = text.split_whitespace().collect();
        let [generation, offset, rate] = words[..] else {
            return Err(format!(
                "expected `GENERATION OFFSET_MS RATE` (like `3 -250 1.5`), got {text:?}"
            ));
        };
        let generation = generation
            .parse()
            .map_err(|_| format!("generation {generation:?} is not a whole number"))?;
        let offset_ms = offset
            .parse()
            .map_err(|_| format!("offset {offset:?} is not a whole number of milliseconds"))?;
        let rate: f64 = rate
            .parse()
            .map_err(|_| format!("rate {rate:?} is not a number"))?;
        if !RATE_RANGE.contains(&rate) {
            return Err(format!(
                "rate {rate} is outside {}..={}",
                RATE_RANGE.start(),
                RATE_RANGE.end()
            ));
        }
        Ok(ClockSetting {
            generation,
            offset_ms,
            rate,
        })
    }

    /// The line [`ClockSetting::parse`] reads.
    pub fn render(&self) -> String {
        format!("{} {} {}\n", self.generation, self.offset_ms, self.rate)
    }
}

/// A point on a virtual clock: nanoseconds since the clock's base (signed: a clock stepped
/// back can read before its base).
pub type VirtualNanos = i128;

/// A node's virtual clock (see the module docs).
#[derive(Clone, Debug)]
pub struct VirtualClock {
    /// The real instant virtual time counts from.
    base: Instant,
    /// Where the current setting was applied, in real nanoseconds since `base`.
    anchor_real: i128,
    /// What the clock read there.
    anchor_virtual: VirtualNanos,
    rate: f64,
    setting: ClockSetting,
}

impl VirtualClock {
    /// The real clock, from `base` on.
    pub fn new(base: Instant) -> VirtualClock {
        VirtualClock {
            base,
            anchor_real: 0,
            anchor_virtual: 0,
            rate: 1.0,
            setting: ClockSetting::REAL,
        }
    }

    fn real_nanos(&self, real: Instant) -> i128 {
        real.saturating_duration_since(self.base).as_nanos() as i128
    }

    /// What the clock reads at real instant `real`.
    pub fn at(&self, real: Instant) -> VirtualNanos {
        let elapsed = (self.real_nanos(real) - self.anchor_real) as f64;
        self.anchor_virtual + (self.rate * elapsed).round() as i128
    }

    /// The deadline of a timer of duration `after` armed at real instant `now`.
    pub fn deadline(&self, now: Instant, after: Duration) -> VirtualNanos {
        self.at(now) + after.as_nanos() as i128
    }

    /// The earliest real instant at which the clock reads `deadline` or later (the anchor
    /// itself for a deadline already passed there: due at once).
    pub fn real_at(&self, deadline: VirtualNanos) -> Instant {
        let ahead = deadline - self.anchor_virtual;
        if ahead <= 0 {
            return self.base + Duration::from_nanos(self.anchor_real as u64);
        }
        // Rounded up, so the clock has reached the deadline when this instant comes.
        let real = self.anchor_real + (ahead as f64 / self.rate).ceil() as i128 + 1;
        self.base + Duration::from_nanos(real.max(0) as u64)
    }

    /// Applies `setting` at real instant `now`: from here the clock reads `now + offset` and
    /// runs at the setting's rate.
    pub fn apply(&mut self, setting: ClockSetting, now: Instant) {
        self.anchor_real = self.real_nanos(now);
        self.anchor_virtual = self.anchor_real + i128::from(setting.offset_ms) * 1_000_000;
        self.rate = setting.rate;
        self.setting = setting;
    }

    /// The setting in force.
    pub fn setting(&self) -> ClockSetting {
        self.setting
    }

    /// How far the clock is off the real one at `now`, in ms (positive: ahead).
    pub fn offset_ms(&self, now: Instant) -> i64 {
        ((self.at(now) - self.real_nanos(now)) / 1_000_000) as i64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    fn setting(offset_ms: i64, rate: f64) -> ClockSetting {
        ClockSetting {
            generation: 1,
            offset_ms,
            rate,
        }
    }

    #[test]
    fn an_unskewed_clock_fires_a_timer_after_its_real_duration() {
        let t0 = Instant::now();
        let clock = VirtualClock::new(t0);
        let deadline = clock.deadline(t0 + ms(10), ms(200));
        let fires = clock.real_at(deadline);
        assert!(fires >= t0 + ms(210) && fires <= t0 + ms(210) + Duration::from_micros(1));
        assert!(clock.at(fires) >= deadline);
    }

    #[test]
    fn a_step_forward_past_a_deadline_makes_the_timer_due_at_once() {
        let t0 = Instant::now();
        let mut clock = VirtualClock::new(t0);
        let deadline = clock.deadline(t0, ms(200));
        clock.apply(setting(5_000, 1.0), t0 + ms(50));
        assert_eq!(clock.real_at(deadline), t0 + ms(50), "due at the step");
        assert!(clock.at(t0 + ms(50)) >= deadline);
    }

    #[test]
    fn a_small_step_forward_shortens_the_wait_by_the_step() {
        let t0 = Instant::now();
        let mut clock = VirtualClock::new(t0);
        let deadline = clock.deadline(t0, ms(200));
        clock.apply(setting(80, 1.0), t0 + ms(50));
        let fires = clock.real_at(deadline);
        assert!(
            fires.duration_since(t0).abs_diff(ms(120)) < ms(1),
            "{fires:?}"
        );
    }

    #[test]
    fn a_step_back_postpones_the_timer_by_the_step() {
        let t0 = Instant::now();
        let mut clock = VirtualClock::new(t0);
        let deadline = clock.deadline(t0, ms(200));
        clock.apply(setting(-2_000, 1.0), t0 + ms(50));
        let fires = clock.real_at(deadline);
        assert!(fires.duration_since(t0).abs_diff(ms(2_200)) < ms(1));
    }

    #[test]
    fn a_half_rate_stretches_what_is_left_of_the_timer_twice() {
        let t0 = Instant::now();
        let mut clock = VirtualClock::new(t0);
        let deadline = clock.deadline(t0, ms(200));
        // 100 ms left at the change; at half speed they take 200 ms.
        clock.apply(setting(0, 0.5), t0 + ms(100));
        let fires = clock.real_at(deadline);
        assert!(
            fires.duration_since(t0).abs_diff(ms(300)) < ms(1),
            "{fires:?}"
        );
        // A timer armed while slow lasts twice its duration.
        let later = clock.deadline(t0 + ms(300), ms(100));
        let fires = clock.real_at(later);
        assert!(fires.duration_since(t0).abs_diff(ms(500)) < ms(1));
    }

    #[test]
    fn a_double_rate_halves_a_timer_and_a_reset_restores_real_time() {
        let t0 = Instant::now();
        let mut clock = VirtualClock::new(t0);
        clock.apply(setting(0, 2.0), t0);
        let deadline = clock.deadline(t0, ms(200));
        assert!(clock.real_at(deadline).duration_since(t0).abs_diff(ms(100)) < ms(1));
        assert_eq!(
            clock.offset_ms(t0 + ms(1_000)),
            1_000,
            "ran 1 s ahead in 1 s"
        );
        clock.apply(ClockSetting::REAL, t0 + ms(1_000));
        assert_eq!(clock.offset_ms(t0 + ms(1_500)), 0);
    }

    #[test]
    fn settings_parse_and_render_and_bad_ones_say_what_was_expected() {
        let s = ClockSetting::parse("7 -2500 0.5\n").unwrap();
        assert_eq!(
            s,
            ClockSetting {
                generation: 7,
                offset_ms: -2500,
                rate: 0.5
            }
        );
        assert_eq!(ClockSetting::parse(&s.render()).unwrap(), s);
        assert!(ClockSetting::parse("1 2")
            .unwrap_err()
            .contains("GENERATION"));
        assert!(ClockSetting::parse("1 2 0")
            .unwrap_err()
            .contains("outside"));
        assert!(ClockSetting::parse("x 2 1")
            .unwrap_err()
            .contains("generation"));
    }
}
