//! The native reader's speed on a generated 10^6-operation history (2×10^6 lines, ~180 MB).
//!
//! Ignored by default: run it in release mode,
//! `cargo test --release --test integration -- --ignored --nocapture parse_rate`. The file is
//! generated once into the system temp directory (or `SPLITBRAIN_BIG_HISTORY`) and reused.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::PathBuf;
use std::time::Instant;

use splitbrain::history::format::{for_each_event, read_ops, write_jsonl_event, Format};
use splitbrain::history::{Event, EventKind, Value};

const OPS: u64 = 1_000_000;
const CLIENTS: u64 = 50;

/// A unique-value register history: 50 clients, reads and writes, 1 % of writes crash (`info`).
fn generate(path: &PathBuf) {
    let mut out = BufWriter::new(File::create(path).unwrap());
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let mut process = (0..CLIENTS).collect::<Vec<_>>();
    let mut fresh = CLIENTS;
    let mut index = 0;
    let mut time = 0i64;
    let mut last_written = 0i64;
    let mut emit = |e: &mut Event, out: &mut BufWriter<File>| {
        e.index = Some(index);
        e.time = Some(time);
        index += 1;
        time += 1_000;
        write_jsonl_event(e, out).unwrap();
    };
    for op in 0..OPS {
        let slot = (next() % CLIENTS) as usize;
        let p = process[slot];
        if next() % 2 == 0 {
            let v = op as i64;
            let mut invoke =
                Event::new(p, EventKind::Invoke, "write", v.into()).with_key("x".into());
            emit(&mut invoke, &mut out);
            let crashed = next() % 100 == 0;
            let kind = if crashed {
                EventKind::Info
            } else {
                EventKind::Ok
            };
            let mut done = Event::new(p, kind, "write", v.into()).with_key("x".into());
            emit(&mut done, &mut out);
            if crashed {
                process[slot] = fresh;
                fresh += 1;
            } else {
                last_written = v;
            }
        } else {
            let mut invoke =
                Event::new(p, EventKind::Invoke, "read", Value::Nil).with_key("x".into());
            emit(&mut invoke, &mut out);
            let mut done =
                Event::new(p, EventKind::Ok, "read", last_written.into()).with_key("x".into());
            emit(&mut done, &mut out);
        }
    }
    out.flush().unwrap();
}

/// The generated file, made on first use.
fn big_history() -> PathBuf {
    let path = std::env::var_os("SPLITBRAIN_BIG_HISTORY")
        .map(PathBuf::from)
        .unwrap_or_else(|| std::env::temp_dir().join("splitbrain-1m-ops.jsonl"));
    if !path.exists() {
        generate(&path);
    }
    path
}

#[test]
#[ignore = "measures speed; run in release mode"]
fn parse_rate_of_a_million_operations() {
    let path = big_history();
    let bytes = std::fs::metadata(&path).unwrap().len() as f64;
    let mode = std::env::var("SPLITBRAIN_RATE_MODE").unwrap_or_default();
    let start = Instant::now();
    let lines = if mode == "ops" {
        let (_, ops) = read_ops(&path, None).unwrap();
        assert_eq!(ops.len() as u64, OPS);
        2 * OPS
    } else {
        let mut lines = 0u64;
        for_each_event(&path, Some(Format::Jsonl), &mut |_| {
            lines += 1;
            Ok(())
        })
        .unwrap();
        lines
    };
    let secs = start.elapsed().as_secs_f64();
    println!(
        "{} lines, {:.1} MB in {secs:.3} s: {:.2} M lines/s, {:.0} MB/s (mode {mode:?})",
        lines,
        bytes / 1e6,
        lines as f64 / secs / 1e6,
        bytes / 1e6 / secs
    );
}

#[test]
#[ignore = "measures speed; run in release mode"]
fn edn_parse_rate_of_a_hundred_thousand_operations() {
    let text = std::fs::read(big_history()).unwrap();
    let cut = text
        .iter()
        .enumerate()
        .filter(|(_, &b)| b == b'\n')
        .nth(199_999)
        .unwrap()
        .0;
    let history = splitbrain::history::format::parse(&text[..=cut], Format::Jsonl, None).unwrap();
    let mut edn = Vec::new();
    splitbrain::history::format::write(&history, Format::Edn, &mut edn).unwrap();
    let start = Instant::now();
    let back = splitbrain::history::format::parse(&edn, Format::Edn, None).unwrap();
    let secs = start.elapsed().as_secs_f64();
    assert_eq!(back.events.len(), 200_000);
    println!(
        "EDN: 200000 lines, {:.1} MB in {secs:.3} s: {:.2} M lines/s, {:.0} MB/s",
        edn.len() as f64 / 1e6,
        0.2 / secs,
        edn.len() as f64 / 1e6 / secs
    );
}
