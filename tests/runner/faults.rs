use super::{check, run};

fn lin_kv_args<'a>(nemesis: &'a str, seed: &'a str) -> Vec<&'a str> {
    vec![
        "--workload",
        "lin-kv",
        "--node-count",
        "3",
        "--time-limit",
        "2s",
        "--rate",
        "100",
        "--nemesis",
        nemesis,
        "--nemesis-interval",
        "400ms",
        "--recovery-time",
        "200ms",
        "--seed",
        seed,
    ]
}

#[test]
fn stale_cache_lin_kv_node_is_invalid_under_partitions_and_check_agrees() {
    let r = run(
        "stale",
        &lin_kv_args("partition", "7"),
        &["lin_kv_stale_cache.py"],
    );
    assert_eq!(r.code(), 1, "{}", r.text());
    assert!(r.stdout().contains("not linearizable"), "{}", r.text());
    assert!(r.faults().iter().any(|f| f[0] == "start-partition"));
    let (code, text) = check(&r.dir().join("history.jsonl"));
    assert_eq!(code, 1, "{text}");
    let (code, text) = check(&r.dir().join("history.edn"));
    assert_eq!(code, 1, "{text}");
}

#[test]
fn correct_lin_kv_node_stays_valid_under_kills_and_pauses_and_check_agrees() {
    let r = run(
        "kill_pause",
        &lin_kv_args("kill,pause", "3"),
        &["lin_kv.py"],
    );
    assert_eq!(r.code(), 0, "{}", r.text());
    let kinds: Vec<String> = r.faults().iter().map(|f| f[0].to_string()).collect();
    assert!(kinds.len() >= 4, "{kinds:?}");
    let (code, text) = check(&r.dir().join("history.jsonl"));
    assert_eq!(code, 0, "{text}");
}

/// The proxy node never sends to another node, and the router spares the lin-kv service: a
/// partition or loss among the nodes drops nothing, so `valid` would prove nothing about them.
#[test]
fn network_faults_a_proxy_node_never_feels_leave_its_valid_run_unknown() {
    let r = run(
        "no_effect",
        &lin_kv_args("partition,loss", "3"),
        &["lin_kv.py"],
    );
    assert_eq!(r.code(), 2, "{}", r.text());
    assert!(
        r.stdout().contains("--nemesis partition never took effect")
            && r.stdout().contains("--nemesis loss never took effect"),
        "{}",
        r.text()
    );
    let without = r.results()["faults_without_effect"].clone();
    assert_eq!(without.as_array().map(Vec::len), Some(2), "{without}");
    let history = std::fs::read_to_string(r.dir().join("history.jsonl")).expect("history");
    let heals: Vec<&str> = history
        .lines()
        .filter(|l| l.contains("\"stop-partition\"") || l.contains("\"stop-loss\""))
        .collect();
    assert!(!heals.is_empty(), "{history}");
    for heal in heals {
        assert!(
            heal.contains("\"effect\":{\"took\":false,\"dropped\":0}"),
            "{heal}"
        );
    }
}

#[test]
fn killed_nodes_restart_with_the_same_id_and_data_dir() {
    let r = run("kill", &lin_kv_args("kill", "5"), &["lin_kv.py"]);
    assert_eq!(r.code(), 0, "{}", r.text());
    let faults = r.faults();
    let killed = faults.iter().find(|f| f[0] == "kill").expect("a kill");
    let restarted = faults.iter().find(|f| f[0] == "start").expect("a restart");
    assert_eq!(killed[1], restarted[1]);
    assert!(r.dir().join("data/n0").is_dir());
}

#[test]
fn lock_with_node_local_tokens_is_invalid() {
    let args = [
        "--workload",
        "lock",
        "--time-limit",
        "1500ms",
        "--rate",
        "40",
        "--seed",
        "1",
    ];
    let r = run("local_tokens", &args, &["lock.py", "--bug", "local-tokens"]);
    assert_eq!(r.code(), 1, "{}", r.text());
    assert!(
        r.stdout().contains("fencing-token violations"),
        "{}",
        r.text()
    );
}

#[test]
fn lock_lease_without_fencing_is_not_a_linearizable_mutex() {
    let args = [
        "--workload",
        "lock",
        "--time-limit",
        "1500ms",
        "--rate",
        "40",
        "--seed",
        "1",
    ];
    let r = run("lease", &args, &["lock.py", "--bug", "lease"]);
    assert_eq!(r.code(), 1, "{}", r.text());
    assert!(
        r.stdout().contains("not a linearizable mutex"),
        "{}",
        r.text()
    );
    let (code, text) = check(&r.dir().join("history.jsonl"));
    assert_eq!(code, 1, "{text}");
}

#[test]
fn broadcast_converges_under_partitions_loss_duplication_and_latency() {
    let args = [
        "--workload",
        "broadcast",
        "--time-limit",
        "2s",
        "--rate",
        "50",
        "--nemesis",
        "partition,loss",
        "--nemesis-interval",
        "300ms",
        "--recovery-time",
        "500ms",
        "--duplicate",
        "0.2",
        "--loss",
        "0.1",
        "--latency",
        "5ms",
        "--latency-dist",
        "exponential",
        "--seed",
        "2",
    ];
    let r = run("broadcast_faults", &args, &["broadcast.py"]);
    assert_eq!(r.code(), 0, "{}", r.text());
    let net = &r.results()["net"];
    for counter in ["duplicated", "lost", "partitioned"] {
        assert!(net[counter].as_u64().unwrap() > 0, "{counter}: {net}");
    }
}

fn corrupt_args(seed: &str) -> Vec<&str> {
    vec![
        "--workload",
        "g-set",
        "--node-count",
        "3",
        "--nemesis",
        "corrupt",
        "--nemesis-interval",
        "300ms",
        "--time-limit",
        "3s",
        "--recovery-time",
        "1s",
        "--rate",
        "50",
        "--seed",
        seed,
    ]
}

/// Jepsen's file-corruption nemesis on a node that trusts its disk: a flipped bit in a record
/// comes back as an element nobody added.
#[test]
fn a_node_that_trusts_its_disk_reads_back_elements_nobody_added_after_a_bit_flip() {
    let r = run("corrupt_trust", &corrupt_args("1"), &["durable_g_set.py"]);
    assert_eq!(r.code(), 1, "{}", r.text());
    assert!(r.stdout().contains("never added"), "{}", r.text());
    let history = std::fs::read_to_string(r.dir().join("history.jsonl")).expect("history");
    let flips = history
        .lines()
        .filter(|l| l.contains("\"f\":\"corrupt\"") && l.contains("\"mode\":\"bitflip\""))
        .count();
    assert!(flips > 0, "the evidence names a bit flip: {history}");
}

/// The same node with a checksum per record drops what fails it and relearns it from a peer
/// (every add was replicated before it was acknowledged, and only one node is corrupted at a
/// time): it survives the same schedule.
#[test]
fn a_node_that_checksums_its_records_survives_the_same_corruption() {
    let r = run(
        "corrupt_checksum",
        &corrupt_args("1"),
        &["durable_g_set.py", "--checksum"],
    );
    assert_eq!(r.code(), 0, "{}", r.text());
    assert!(
        r.faults().iter().any(|f| f[0] == "corrupt"),
        "{:?}",
        r.faults()
    );
}
