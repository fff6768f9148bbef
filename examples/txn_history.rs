//! Writes a seeded list-append history (native JSON lines) from a simulated database, for
//! timing `splitbrain check` on transactional histories end to end.
//!
//! ```sh
//! cargo run --release --example txn_history -- 1000000 serializable 1 > la-1m.jsonl
//! /usr/bin/time -v target/release/splitbrain check la-1m.jsonl
//! ```
//!
//! Arguments: transactions (default 100000), `serializable` or `snapshot` (default
//! serializable), seed (default 1), clients (default 10).

#[path = "../benches/txn_sim.rs"]
mod txn_sim;

use std::io::Write;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let txns = args.first().and_then(|a| a.parse().ok()).unwrap_or(100_000);
    let db = match args.get(1).map(String::as_str) {
        Some("snapshot") => txn_sim::Db::Snapshot,
        _ => txn_sim::Db::Serializable,
    };
    let seed = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(1);
    let clients = args.get(3).and_then(|a| a.parse().ok()).unwrap_or(10);
    let text = txn_sim::history(db, txns, clients, seed);
    std::io::stdout()
        .lock()
        .write_all(text.as_bytes())
        .expect("write the history");
}
