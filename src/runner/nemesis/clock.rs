//! [`ClockFault`]: the clock nemesis's three kinds, after Jepsen's (`nemesis/time.clj`: bump and
//! strobe; `faketime.clj`: rate), and their seeded draws (pure).
//!
//! - **bump**: step the clocks of one node, a minority, a majority or all by ±1.5^k ms (k
//!   12–22: 130 ms to 7.5 s), later reset them;
//! - **strobe**: flip their clocks between the real time and ±1.5^k ms (k 12–18: 130 ms to
//!   1.5 s) every 10–100 ms for 0.2–1 s, then reset them;
//! - **rate**: run their clocks at ×0.5–×2 (log-uniform, two decimals, never ×1), later reset.

use std::time::Duration;

use rand::Rng;

use super::Fault;

/// A kind of clock fault, as named in `--clock-faults`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ClockFault {
    /// Step the clock.
    Bump,
    /// Flip the clock back and forth.
    Strobe,
    /// Run the clock fast or slow.
    Rate,
}

impl ClockFault {
    /// Every kind, in the order `--help` lists them.
    pub const ALL: [ClockFault; 3] = [ClockFault::Bump, ClockFault::Strobe, ClockFault::Rate];

    /// The name used in `--clock-faults`.
    pub fn name(self) -> &'static str {
        match self {
            ClockFault::Bump => "bump",
            ClockFault::Strobe => "strobe",
            ClockFault::Rate => "rate",
        }
    }

    /// The kind named `name`.
    pub fn from_name(name: &str) -> Option<ClockFault> {
        ClockFault::ALL.into_iter().find(|k| k.name() == name)
    }
}

/// A clock fault drawn from `variants` (the first, without a draw, when there is one only: a
/// bump-only schedule is the one runs had before strobe and rate) on `nodes`, and the reset
/// that ends it.
pub fn draw(variants: &[ClockFault], nodes: Vec<usize>, rng: &mut impl Rng) -> (Fault, Fault) {
    let variant = match variants {
        [] => ClockFault::Bump,
        [only] => *only,
        _ => variants[rng.gen_range(0..variants.len())],
    };
    let start = match variant {
        ClockFault::Bump => Fault::ClockBump(nodes.iter().map(|&i| (i, bump_ms(rng))).collect()),
        ClockFault::Strobe => Fault::ClockStrobe {
            nodes: nodes.clone(),
            delta_ms: {
                let ms = 1.5f64.powi(rng.gen_range(12..=18)).round() as i64;
                signed(rng, ms)
            },
            period: Duration::from_millis(rng.gen_range(10..=100)),
            duration: Duration::from_millis(rng.gen_range(200..=1000)),
        },
        ClockFault::Rate => Fault::ClockRate(nodes.iter().map(|&i| (i, rate(rng))).collect()),
    };
    (start, Fault::ClockReset(nodes))
}

/// A clock bump, Jepsen's way: ±1.5^k ms, here for k in 12..=22 (130 ms to 7.5 s), either
/// sign.
pub fn bump_ms(rng: &mut impl Rng) -> i64 {
    let ms = 1.5f64.powi(rng.gen_range(12..=22)).round() as i64;
    signed(rng, ms)
}

fn signed(rng: &mut impl Rng, ms: i64) -> i64 {
    if rng.gen_bool(0.5) {
        ms
    } else {
        -ms
    }
}

/// A clock rate in ×0.5..×2, log-uniform, rounded to two decimals, never ×1.
fn rate(rng: &mut impl Rng) -> f64 {
    loop {
        let r = (2f64.powf(rng.gen_range(-1.0..=1.0)) * 100.0).round() / 100.0;
        if r != 1.0 {
            return r;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn every_draw_stays_in_jepsens_ranges_and_resets_the_same_nodes() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
        let mut seen = std::collections::BTreeSet::new();
        for _ in 0..300 {
            let (start, stop) = draw(&ClockFault::ALL, vec![0, 2], &mut rng);
            assert_eq!(stop, Fault::ClockReset(vec![0, 2]));
            match start {
                Fault::ClockBump(o) => {
                    seen.insert("bump");
                    assert!(o.iter().all(|&(_, ms)| (130..=7_482).contains(&ms.abs())));
                }
                Fault::ClockStrobe {
                    delta_ms,
                    period,
                    duration,
                    ..
                } => {
                    seen.insert("strobe");
                    assert!((130..=1_478).contains(&delta_ms.abs()), "{delta_ms}");
                    assert!(period >= Duration::from_millis(10) && period < duration);
                }
                Fault::ClockRate(r) => {
                    seen.insert("rate");
                    assert!(r.iter().all(|&(_, x)| (0.5..=2.0).contains(&x) && x != 1.0));
                }
                other => panic!("{other:?}"),
            }
        }
        assert_eq!(seen.len(), 3, "{seen:?}");
    }

    #[test]
    fn names_round_trip() {
        for k in ClockFault::ALL {
            assert_eq!(ClockFault::from_name(k.name()), Some(k));
        }
    }
}
