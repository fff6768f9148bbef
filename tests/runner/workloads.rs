use super::run;

/// A short, fault-free run of `workload` on three nodes; asserts it is valid.
fn happy(test: &str, workload: &str, node: &[&str]) -> super::Run {
    let r = run(
        test,
        &[
            "--workload",
            workload,
            "--node-count",
            "3",
            "--time-limit",
            "1s",
            "--rate",
            "60",
            "--recovery-time",
            "300ms",
            "--seed",
            "1",
        ],
        node,
    );
    assert_eq!(r.code(), 0, "{}", r.text());
    assert!(
        r.stdout().starts_with(&format!("{workload}: valid")),
        "{}",
        r.text()
    );
    let results = r.results();
    assert_eq!(results["verdict"], "valid");
    assert!(results["stats"]["ok"].as_u64().unwrap() >= 20, "{results}");
    r
}

#[test]
fn echo_node_is_valid() {
    let r = happy("echo", "echo", &["echo.py"]);
    for file in [
        "history.jsonl",
        "history.edn",
        "messages.jsonl",
        "node-logs/n0.log",
    ] {
        assert!(r.dir().join(file).exists(), "{file} missing");
    }
}

#[test]
fn unique_ids_node_is_valid() {
    happy("unique_ids", "unique-ids", &["unique_ids.py"]);
}

#[test]
fn gossiping_broadcast_node_is_valid() {
    let r = happy("broadcast", "broadcast", &["broadcast.py"]);
    assert!(r.results()["net"]["node_to_node"].as_u64().unwrap() > 0);
}

#[test]
fn g_set_crdt_node_is_valid() {
    happy("g_set", "g-set", &["g_set.py"]);
}

#[test]
fn g_counter_on_seq_kv_is_valid() {
    let r = happy("g_counter", "g-counter", &["counter.py"]);
    assert!(r.results()["net"]["service"].as_u64().unwrap() > 0);
}

#[test]
fn pn_counter_on_seq_kv_is_valid() {
    happy("pn_counter", "pn-counter", &["counter.py"]);
}

#[test]
fn lin_kv_proxy_to_the_lin_kv_service_is_valid() {
    happy("lin_kv", "lin-kv", &["lin_kv.py"]);
}

#[test]
fn lock_on_lin_kv_with_lin_tso_tokens_is_valid() {
    let r = happy("lock", "lock", &["lock.py"]);
    assert!(r.stdout().contains("tokens increasing"), "{}", r.text());
}

/// Maelstrom's `--latency 100` is 100 ms (`--latency MILLIS`); read as seconds, no gossip would
/// arrive before the final reads and the run would be invalid.
#[test]
fn a_maelstrom_latency_without_unit_is_milliseconds() {
    let r = run(
        "latency_ms",
        &[
            "--workload",
            "broadcast",
            "--node-count",
            "3",
            "--time-limit",
            "1s",
            "--rate",
            "30",
            "--recovery-time",
            "1s",
            "--latency",
            "100",
            "--seed",
            "1",
        ],
        &["broadcast.py"],
    );
    assert_eq!(r.code(), 0, "{}", r.text());
    assert!(r.stdout().contains("--latency 100ms"), "{}", r.text());
}
