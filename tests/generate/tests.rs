//! What the generators promise: one seed, one history; small well-formed histories with every
//! kind of completion; valid by construction unless corrupted; a healthy mix of verdicts.

use splitbrain::history::{pair, EventKind};

use super::{families, generate, generate_uncorrupted};
use crate::reference::brute_force;

#[test]
fn the_same_seed_gives_the_same_history() {
    for family in families() {
        for seed in 0..50 {
            assert_eq!(
                generate(family, seed),
                generate(family, seed),
                "{}",
                family.name()
            );
        }
    }
}

#[test]
fn histories_are_small_well_formed_and_use_every_completion() {
    for family in families() {
        let mut kinds = Vec::new();
        for seed in 0..300 {
            let events = generate(family, seed);
            let ops = pair(events.iter().cloned(), None).expect("well-formed");
            assert!(
                ops.len() <= 10,
                "{} seed {seed}: {} ops",
                family.name(),
                ops.len()
            );
            kinds.extend(events.iter().map(|e| e.kind));
        }
        for kind in [EventKind::Ok, EventKind::Info, EventKind::Fail] {
            assert!(
                kinds.contains(&kind),
                "{} never completes {kind}",
                family.name()
            );
        }
    }
}

#[test]
fn uncorrupted_histories_are_linearizable_for_the_reference() {
    for family in families() {
        for seed in 0..1_000 {
            let ops = pair(generate_uncorrupted(family, seed), None).expect("well-formed");
            assert!(
                brute_force(family.spec(), &ops),
                "{} seed {seed}",
                family.name()
            );
        }
    }
}

#[test]
fn every_family_yields_a_healthy_mix_of_verdicts() {
    let mut unhealthy: Vec<String> = Vec::new();
    for family in families() {
        let cases = 1_000;
        let invalid = (0..cases)
            .filter(|&seed| {
                let ops = pair(generate(family, seed), None).expect("well-formed");
                !brute_force(family.spec(), &ops)
            })
            .count();
        let share = invalid as f64 / cases as f64;
        eprintln!("{}: {:.0}% invalid", family.name(), share * 100.0);
        if !(0.25..=0.75).contains(&share) {
            unhealthy.push(family.name());
        }
    }
    assert!(
        unhealthy.is_empty(),
        "too few or too many invalid: {unhealthy:?}"
    );
}
