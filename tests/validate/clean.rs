//! Every reference node, run briefly under partition + kill + pause, validates against its
//! correct model: every effect matches, every `always` property of its spec holds.

use super::{assert_history_valid_but_for_faults_without_effect, faulty, run_node, validate};

fn assert_clean(node: &str, workload: &'static str, extra: &[&'static str]) {
    let mut args = faulty(workload, "1500ms", "4");
    args.extend_from_slice(extra);
    let r = run_node(&args, node);
    assert_history_valid_but_for_faults_without_effect(&r);
    let (code, v, stderr) = validate(&r.dir(), &[]);
    assert_eq!(code, 0, "{v:#}\n{stderr}");
    assert_eq!(v["verdict"], "valid");
    assert!(v["steps"].as_u64().unwrap() > 20, "{v:#}");
    for p in v["properties"].as_array().unwrap() {
        if p["kind"] == "always" {
            assert_eq!(p["outcome"], "held", "{p}");
        }
    }
    // The run validated itself too, and said so.
    assert_eq!(r.results()["checks"]["trace"], "valid", "{}", r.text());
}

#[test]
fn a_clean_raft_run_validates() {
    assert_clean("raft", "lin-kv", &[]);
}

#[test]
fn a_clean_paxos_run_validates() {
    assert_clean("paxos", "lin-kv", &[]);
}

#[test]
fn a_clean_lease_lock_run_validates() {
    assert_clean("lock", "lease-lock", &["--node-count", "2"]);
}

#[test]
fn a_clean_g_counter_run_validates() {
    assert_clean("g-counter", "g-counter", &[]);
}

#[test]
fn a_clean_pn_counter_run_validates() {
    assert_clean("pn-counter", "pn-counter", &[]);
}

#[test]
fn a_clean_g_set_run_validates() {
    assert_clean("g-set", "g-set", &[]);
}

#[test]
fn a_clean_lww_register_run_validates_although_its_history_is_not_linearizable() {
    let mut args = faulty("lin-kv", "1500ms", "4");
    args.extend_from_slice(&["--no-validate"]);
    let r = run_node(&args, "lww-register");
    let (code, v, stderr) = validate(&r.dir(), &[]);
    assert_eq!(code, 0, "{v:#}\n{stderr}");
    assert_eq!(v["spec"], "lww-register");
}
