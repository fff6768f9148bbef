//! Size and generation time of run reports at scale: a synthetic store directory with a
//! 10,000-operation history (with partitions) and a 100,000-message journal, rendered by
//! `splitbrain::report::write_run_report` as `splitbrain run` and `splitbrain report` do.
//!
//! `cargo run --release --example report_figures [SEED]`

use std::fmt::Write as _;
use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let seed: u64 = std::env::args()
        .nth(1)
        .map(|s| s.parse())
        .transpose()?
        .unwrap_or(1);
    let mut state = seed.wrapping_mul(6364136223846793005).wrapping_add(1);
    let mut next = move |n: u64| {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (state >> 33) % n
    };
    let dir = tempfile::tempdir()?;
    for (ops, messages) in [(10_000usize, 0usize), (0, 100_000), (10_000, 100_000)] {
        let mut history = String::new();
        let mut time = 0u64;
        for i in 0..ops {
            let p = i % 10;
            if i % 1000 == 500 {
                let f = if i % 2000 == 500 {
                    "start-partition"
                } else {
                    "stop-partition"
                };
                let _ = writeln!(history, "{{\"time\":{time},\"process\":\"nemesis\",\"type\":\"info\",\"f\":\"{f}\",\"value\":null}}");
            }
            let latency = 100_000 + next(5_000_000);
            let (f, kind) = if next(2) == 0 {
                ("write", "ok")
            } else {
                ("read", "ok")
            };
            let _ = writeln!(history, "{{\"time\":{time},\"process\":{p},\"type\":\"invoke\",\"f\":\"{f}\",\"value\":null}}");
            let _ = writeln!(
                history,
                "{{\"time\":{},\"process\":{p},\"type\":\"{kind}\",\"f\":\"{f}\",\"value\":null}}",
                time + latency
            );
            time += latency + 1_000;
        }
        let mut journal = String::new();
        for i in 0..messages {
            let (from, to) = (next(5), next(5));
            let t = i as u64 * 20_000;
            let _ = writeln!(journal, "{{\"time\":{t},\"id\":{i},\"type\":\"send\",\"from\":\"n{from}\",\"message\":{{\"src\":\"n{from}\",\"dest\":\"n{to}\",\"body\":{{\"type\":\"gossip\",\"msg_id\":{i}}}}}}}");
            let end = if next(10) == 0 {
                "drop\",\"reason\":\"partition"
            } else {
                "deliver"
            };
            let _ = writeln!(
                journal,
                "{{\"time\":{},\"id\":{i},\"type\":\"{end}\"}}",
                t + 10_000 + next(200_000)
            );
        }
        std::fs::write(dir.path().join("history.jsonl"), history)?;
        std::fs::write(dir.path().join("messages.jsonl"), journal)?;
        std::fs::write(
            dir.path().join("results.json"),
            r#"{"verdict":"valid","summary":"synthetic"}"#,
        )?;
        let started = Instant::now();
        let out = splitbrain::report::write_run_report(dir.path(), None)?;
        let elapsed = started.elapsed();
        let size = std::fs::metadata(out)?.len();
        println!(
            "{ops} ops, {messages} messages: report.html {:.2} MB in {:.0} ms",
            size as f64 / 1e6,
            elapsed.as_secs_f64() * 1e3
        );
    }
    Ok(())
}
