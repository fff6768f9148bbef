//! Runner figures: router throughput and harness overhead per client operation.
//!
//! `cargo bench --bench runner` prints them. The bench binary is also its own fixture node: run
//! as `runner node MODE` it is a tiny Rust Maelstrom node, so the node's own cost is negligible
//! next to the harness's:
//! - `echo`: answers `echo`; every 1000 messages it logs the mean time it spent per message;
//! - `flood`: 200 ms after `init` it sends 64 tokens to random peers; every token it receives it
//!   forwards to a random peer (so the router is never idle);
//! - `lin-kv`: proxies `read`/`write`/`cas` to the `lin-kv` service.
//!
//! Figures (the router is measured last: its journal's write-back would slow the others):
//! 1. router throughput: 5 flood nodes, no clients; node-to-node messages per second, from the
//!    journal's send times (the journal is on, as in every run);
//! 2. overhead per op: 1 echo node, 1 client, no rate limit; the mean invoke→ok time from the
//!    history minus the node's own time per message; and, for reference, a bare round trip
//!    through the same node's pipes with no harness at all (a blocking write, a blocking read:
//!    not a lower bound, since a blocked reader pays a full wakeup that the harness's event loop
//!    often avoids);
//! 3. lin-kv throughput: 3 proxy nodes over the lin-kv service, 6 clients, no rate limit.
//!
//! `cargo bench --bench runner -- --test` runs each for a moment only (CI smoke).

use std::io::{BufRead, Write};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{json, Value as Json};
use splitbrain::history::{format, Process};
use splitbrain::runner::workload::WorkloadName;
use splitbrain::runner::{run, NodeCommand, RouterBackend, RunOptions, RunPlan};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("node") {
        return node(args.get(2).map_or("echo", String::as_str));
    }
    let smoke = args.iter().any(|a| a == "--test");
    let seconds = if smoke { 1 } else { 5 };
    let store = tempfile::tempdir().expect("temp dir");
    // The router flood writes a large journal; it goes last so its write-back does not slow the
    // latency measurements.
    overhead_per_op(store.path(), seconds);
    bare_round_trip(seconds);
    lin_kv_throughput(store.path(), seconds);
    router_throughput(store.path(), seconds);
}

fn plan(store: &Path, workload: WorkloadName, mode: &str, nodes: usize, seconds: u64) -> RunPlan {
    let exe = std::env::current_exe().expect("own path");
    let argv = vec![exe.display().to_string(), "node".into(), mode.into()];
    let mut plan = RunPlan::new(workload, NodeCommand::Bin(argv), nodes);
    plan.time_limit = Duration::from_secs(seconds);
    plan.recovery_time = Duration::ZERO;
    plan.seed = 1;
    plan.store = store.to_path_buf();
    plan
}

fn router_throughput(store: &Path, seconds: u64) {
    let mut p = plan(store, WorkloadName::Echo, "flood", 5, seconds);
    p.rate = 0.0;
    let outcome = run(&p, RouterBackend, RunOptions::default()).expect("run");
    let journal = std::fs::read_to_string(outcome.store.join("messages.jsonl")).expect("journal");
    let (mut count, mut first, mut last) = (0u64, i64::MAX, 0i64);
    for line in journal.lines() {
        let e: Json = serde_json::from_str(line).expect("journal line");
        let from_node = e["from"].as_str().is_some_and(|f| f.starts_with('n'));
        let to_node = e["message"]["dest"]
            .as_str()
            .is_some_and(|d| d.starts_with('n'));
        if e["type"] == "send" && from_node && to_node {
            count += 1;
            let t = e["time"].as_i64().expect("time");
            first = first.min(t);
            last = last.max(t);
        }
    }
    let secs = (last - first) as f64 / 1e9;
    println!(
        "router: {count} node-to-node messages in {secs:.2} s = {:.0} messages/s (5 nodes; \
         delivered {}, journal {} lines)",
        count as f64 / secs,
        outcome.net.delivered,
        journal.lines().count()
    );
}

fn bare_round_trip(seconds: u64) {
    let exe = std::env::current_exe().expect("own path");
    let mut child = std::process::Command::new(exe)
        .args(["node", "echo"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("spawn");
    let mut stdin = child.stdin.take().expect("stdin");
    let mut stdout = std::io::BufReader::new(child.stdout.take().expect("stdout"));
    let init = json!({"src": "c0", "dest": "n0", "body": {"type": "init", "msg_id": 0, "node_id": "n0", "node_ids": ["n0"]}});
    let mut line = String::new();
    writeln!(stdin, "{init}").expect("write");
    stdout.read_line(&mut line).expect("read");
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let mut n = 0u64;
    let started = Instant::now();
    while Instant::now() < deadline {
        let m = json!({"src": "c0", "dest": "n0", "body": {"type": "echo", "msg_id": n, "echo": "Please echo 7"}});
        writeln!(stdin, "{m}").expect("write");
        stdin.flush().expect("flush");
        line.clear();
        stdout.read_line(&mut line).expect("read");
        n += 1;
    }
    let us = started.elapsed().as_secs_f64() * 1e6 / n as f64;
    let _ = child.kill();
    let _ = child.wait();
    println!("bare pipe round trip (no harness): {n} echoes, {us:.1} µs each");
}

fn overhead_per_op(store: &Path, seconds: u64) {
    let mut p = plan(store, WorkloadName::Echo, "echo", 1, seconds);
    p.rate = 1e9;
    p.concurrency = 1;
    let outcome = run(&p, RouterBackend, RunOptions::default()).expect("run");
    let (_, history) = format::read(&outcome.store.join("history.jsonl"), None).expect("history");
    let mut open = std::collections::HashMap::new();
    let mut latencies: Vec<i64> = Vec::new();
    for e in &history.events {
        let Process::Client(p) = e.process else {
            continue;
        };
        match e.kind {
            splitbrain::history::EventKind::Invoke => {
                open.insert(p, e.time.expect("time"));
            }
            _ => {
                if let Some(t0) = open.remove(&p) {
                    latencies.push(e.time.expect("time") - t0);
                }
            }
        }
    }
    latencies.sort_unstable();
    let n = latencies.len().max(1);
    let mean = latencies.iter().sum::<i64>() as f64 / n as f64 / 1000.0;
    let pct = |q: f64| {
        latencies
            .get(((n as f64 * q) as usize).min(n - 1))
            .copied()
            .unwrap_or(0) as f64
            / 1000.0
    };
    let log = std::fs::read_to_string(outcome.store.join("node-logs/n0.log")).unwrap_or_default();
    let node_us: f64 = log
        .lines()
        .last()
        .and_then(|l| l.strip_prefix("mean-ns "))
        .and_then(|v| v.trim().parse::<f64>().ok())
        .unwrap_or(0.0)
        / 1000.0;
    println!(
        "overhead: {} echo ops in {seconds} s ({:.0} ops/s, 1 client); invoke→ok mean {mean:.1} µs, \
         p50 {:.1} µs, p99 {:.1} µs; node time {node_us:.1} µs; harness overhead ≈ {:.1} µs/op",
        latencies.len(),
        latencies.len() as f64 / seconds as f64,
        pct(0.5),
        pct(0.99),
        mean - node_us
    );
}

fn lin_kv_throughput(store: &Path, seconds: u64) {
    let mut p = plan(store, WorkloadName::LinKv, "lin-kv", 3, seconds);
    p.rate = 1e9;
    p.concurrency = 6;
    p.key_count = 8;
    let started = Instant::now();
    let outcome = run(&p, RouterBackend, RunOptions::default()).expect("run");
    println!(
        "lin-kv: {} ops in {seconds} s = {:.0} ops/s (3 proxy nodes on the lin-kv service, 6 \
         clients); verdict {:?}; run incl. check {:.2} s",
        outcome.ops.count,
        outcome.ops.count as f64 / seconds as f64,
        outcome.verdict(),
        started.elapsed().as_secs_f64()
    );
}

/// The fixture node.
fn node(mode: &str) {
    let out = Arc::new(Mutex::new(std::io::BufWriter::new(std::io::stdout())));
    let stdin = std::io::stdin();
    let mut me = String::new();
    let mut peers: Vec<String> = Vec::new();
    let mut rng = 0x9E37_79B9_7F4A_7C15u64;
    let mut next = move |n: usize| {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        (rng % n as u64) as usize
    };
    let (mut spent, mut handled) = (Duration::ZERO, 0u64);
    let mut msg_id = 0u64;
    let mut waiting: std::collections::HashMap<u64, (String, Json)> = Default::default();
    let mut line = String::new();
    let mut input = stdin.lock();
    loop {
        line.clear();
        if input.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        let t0 = Instant::now();
        let m: Json = serde_json::from_str(&line).expect("message");
        let body = &m["body"];
        let src = m["src"].as_str().unwrap_or("").to_string();
        let reply = |body: Json| json!({"src": me, "dest": src, "body": body});
        let mut sends: Vec<Json> = Vec::new();
        match body["type"].as_str().unwrap_or("") {
            "init" => {
                me = body["node_id"].as_str().unwrap_or("").to_string();
                peers = body["node_ids"]
                    .as_array()
                    .map(|a| {
                        a.iter()
                            .filter_map(|n| n.as_str())
                            .map(String::from)
                            .collect()
                    })
                    .unwrap_or_default();
                peers.retain(|p| *p != me);
                sends.push(json!({"src": me, "dest": src, "body": {"type": "init_ok", "in_reply_to": body["msg_id"]}}));
                if mode == "flood" && !peers.is_empty() {
                    let (out, me, peers) = (out.clone(), me.clone(), peers.clone());
                    std::thread::spawn(move || {
                        std::thread::sleep(Duration::from_millis(200));
                        let mut out = out.lock().expect("stdout");
                        for i in 0..64 {
                            let dest = &peers[i % peers.len()];
                            let m = json!({"src": me, "dest": dest, "body": {"type": "token"}});
                            let _ = writeln!(out, "{m}");
                        }
                        let _ = out.flush();
                    });
                }
            }
            "token" => {
                let dest = &peers[next(peers.len())];
                sends.push(json!({"src": me, "dest": dest, "body": {"type": "token"}}));
            }
            "echo" => sends.push(reply(
                json!({"type": "echo_ok", "echo": body["echo"], "in_reply_to": body["msg_id"]}),
            )),
            "read" | "write" | "cas" => {
                msg_id += 1;
                let mut forward = body.clone();
                forward["msg_id"] = json!(msg_id);
                waiting.insert(msg_id, (src.clone(), body["msg_id"].clone()));
                sends.push(json!({"src": me, "dest": "lin-kv", "body": forward}));
            }
            _ => {
                if let Some((client, id)) = body["in_reply_to"]
                    .as_u64()
                    .and_then(|r| waiting.remove(&r))
                {
                    let mut answer = body.clone();
                    answer["in_reply_to"] = id;
                    sends.push(json!({"src": me, "dest": client, "body": answer}));
                }
            }
        }
        let mut o = out.lock().expect("stdout");
        for s in sends {
            let _ = writeln!(o, "{s}");
        }
        let _ = o.flush();
        drop(o);
        spent += t0.elapsed();
        handled += 1;
        if mode == "echo" && handled % 1000 == 0 {
            eprintln!("mean-ns {}", spent.as_nanos() as f64 / handled as f64);
        }
    }
}
