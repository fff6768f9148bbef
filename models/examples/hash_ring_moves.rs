//! Measures what a join moves on the `hash-ring` spec's ring: for `n` members and `V` virtual
//! nodes each, over many rings (one salt a seed), the fraction of keys that change owner when
//! member `n{n}` joins, against the `1/(n+1)` a perfectly balanced ring would move (Karger et
//! al. 1997; DeCandia et al. 2007 §4.2 on why virtual nodes even the load). Also counts keys
//! that moved to a member other than the joiner (monotonicity says none).
//!
//! ```text
//! cargo run --release -p splitbrain-models --example hash_ring_moves
//! cargo run --release -p splitbrain-models --example hash_ring_moves -- 200 10000
//! ```
//!
//! Arguments: seeds (rings per cell, default 200), keys per ring (default 10000).

use splitbrain_models::hash_ring::moved_on_join;

fn main() {
    let mut args = std::env::args().skip(1);
    let seeds: u64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(200);
    let keys: u64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(10_000);
    println!("{seeds} rings per row, {keys} keys per ring; moved = keys that changed owner");
    println!("| members n | V | expected 1/(n+1) | mean moved | mean / expected | p5 – p95 | max | moved elsewhere |");
    println!("|---|---|---|---|---|---|---|---|");
    for members in [4usize, 8] {
        for vnodes in [1u32, 4, 16, 64, 256] {
            let mut fractions: Vec<f64> = Vec::new();
            let mut elsewhere_total = 0;
            for salt in 0..seeds {
                let (moved, elsewhere) = moved_on_join(members, vnodes, salt, keys);
                fractions.push(moved as f64 / keys as f64);
                elsewhere_total += elsewhere;
            }
            fractions.sort_by(f64::total_cmp);
            let mean = fractions.iter().sum::<f64>() / fractions.len() as f64;
            let at = |q: f64| fractions[((fractions.len() - 1) as f64 * q).round() as usize];
            let expected = 1.0 / (members as f64 + 1.0);
            println!(
                "| {members} | {vnodes} | {:.3} | {mean:.3} | {:.2} | {:.3} – {:.3} | {:.3} | {elsewhere_total} |",
                expected,
                mean / expected,
                at(0.05),
                at(0.95),
                fractions.last().copied().unwrap_or(0.0),
            );
        }
    }
}
