//! Host claims, on the deployed Paxos register (real files in a temp data directory).

use splitbrain_models::paxos::KeyedPaxos;

use super::*;

const INIT: &str = r#"{"src":"c0","dest":"n0","body":{"type":"init","msg_id":1,"node_id":"n0","node_ids":["n0","n1","n2"]}}"#;

fn host(dir: &std::path::Path) -> Host<KeyedPaxos> {
    Host::new(NodeOptions {
        data_dir: Some(dir.to_path_buf()),
        seed: Some(7),
        ..NodeOptions::default()
    })
    .unwrap()
}

fn bodies(lines: &[String]) -> Vec<Value> {
    lines
        .iter()
        .map(|l| serde_json::from_str::<Value>(l).unwrap()["body"].clone())
        .collect()
}

#[test]
fn init_is_answered_with_init_ok_in_reply_to_its_msg_id() {
    let dir = tempfile::tempdir().unwrap();
    let mut host = host(dir.path());
    let out = host.on_line(INIT).unwrap();
    let line: Value = serde_json::from_str(&out[0]).unwrap();
    assert_eq!(line["src"], "n0");
    assert_eq!(line["dest"], "c0");
    assert_eq!(line["body"]["type"], "init_ok");
    assert_eq!(line["body"]["in_reply_to"], 1);
}

#[test]
fn promise_is_persisted_before_it_is_sent() {
    let dir = tempfile::tempdir().unwrap();
    let mut host = host(dir.path());
    host.on_line(INIT).unwrap();
    let prepare = r#"{"src":"n1","dest":"n0","body":{"type":"prepare","key":0,"ballot":{"round":4,"node":"n1"}}}"#;
    let out = host.on_line(prepare).unwrap();
    assert_eq!(bodies(&out)[0]["type"], "promise");
    // The promise has not been written anywhere yet, and the durable file already holds it.
    let durable: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("durable.json")).unwrap()).unwrap();
    assert_eq!(durable["0"]["promised"]["round"], 4);
}

#[test]
fn bad_input_line_is_skipped_and_client_gets_not_supported() {
    let dir = tempfile::tempdir().unwrap();
    let mut host = host(dir.path());
    assert!(host.on_line("{truncated").unwrap().is_empty());
    assert!(host.on_line(INIT).unwrap().len() == 1);
    let out = host
        .on_line(r#"{"src":"c3","dest":"n0","body":{"type":"txn","msg_id":9}}"#)
        .unwrap();
    let body = &bodies(&out)[0];
    assert_eq!(
        (body["type"].as_str(), body["code"].as_u64()),
        (Some("error"), Some(10))
    );
    assert_eq!(body["in_reply_to"], 9);
}

#[test]
fn restarted_node_recovers_its_promise_and_refuses_a_lower_ballot() {
    let dir = tempfile::tempdir().unwrap();
    let mut first = host(dir.path());
    first.on_line(INIT).unwrap();
    first
        .on_line(r#"{"src":"n1","dest":"n0","body":{"type":"prepare","key":0,"ballot":{"round":5,"node":"n1"}}}"#)
        .unwrap();
    drop(first);
    let mut second = host(dir.path());
    second.on_line(INIT).unwrap();
    let lower = r#"{"src":"n2","dest":"n0","body":{"type":"prepare","key":0,"ballot":{"round":3,"node":"n2"}}}"#;
    assert!(
        second.on_line(lower).unwrap().is_empty(),
        "a recovered acceptor keeps its promise"
    );
    let mut amnesiac: Host<KeyedPaxos> = Host::new(NodeOptions::default()).unwrap();
    amnesiac.on_line(INIT).unwrap();
    assert_eq!(
        bodies(&amnesiac.on_line(lower).unwrap())[0]["type"],
        "promise"
    );
}

fn lock_storage(bug: Option<&str>) -> Host<splitbrain_models::lease_lock::LeaseNode> {
    let mut host = Host::new(NodeOptions {
        bug: bug.map(str::to_string),
        ..NodeOptions::default()
    })
    .unwrap();
    let init = r#"{"src":"c0","dest":"n1","body":{"type":"init","msg_id":1,"node_id":"n1","node_ids":["n0","n1"]}}"#;
    assert_eq!(host.on_line(init).unwrap().len(), 1);
    host
}

const WRITE_TOKEN_3: &str =
    r#"{"src":"c1","dest":"n1","body":{"type":"write","msg_id":2,"key":0,"value":5,"token":3}}"#;
const STALE_WRITE_TOKEN_2: &str =
    r#"{"src":"c2","dest":"n1","body":{"type":"write","msg_id":3,"key":0,"value":6,"token":2}}"#;

#[test]
fn fenced_lock_storage_rejects_a_write_with_a_stale_token() {
    let mut storage = lock_storage(None);
    assert_eq!(
        bodies(&storage.on_line(WRITE_TOKEN_3).unwrap())[0]["type"],
        "write_ok"
    );
    let stale = &bodies(&storage.on_line(STALE_WRITE_TOKEN_2).unwrap())[0];
    assert_eq!(
        (stale["type"].as_str(), stale["code"].as_u64()),
        (Some("error"), Some(22))
    );
}

#[test]
fn no_fencing_lock_storage_accepts_a_write_with_a_stale_token() {
    let mut storage = lock_storage(Some("no-fencing"));
    storage.on_line(WRITE_TOKEN_3).unwrap();
    let stale = &bodies(&storage.on_line(STALE_WRITE_TOKEN_2).unwrap())[0];
    assert_eq!(stale["type"], "write_ok");
}

#[test]
fn lock_server_expires_a_lease_on_its_seeded_timer_and_grants_the_next_token() {
    let mut lock: Host<splitbrain_models::lease_lock::LeaseNode> =
        Host::new(NodeOptions::default()).unwrap();
    lock.on_line(r#"{"src":"c0","dest":"n0","body":{"type":"init","msg_id":1,"node_id":"n0","node_ids":["n0","n1"]}}"#).unwrap();
    let first = lock
        .on_line(r#"{"src":"c1","dest":"n0","body":{"type":"acquire","msg_id":2}}"#)
        .unwrap();
    assert_eq!(bodies(&first)[0]["token"], 1);
    assert!(lock
        .on_line(r#"{"src":"c2","dest":"n0","body":{"type":"acquire","msg_id":3}}"#)
        .unwrap()
        .is_empty());
    let expiry = lock.next_deadline().expect("the lease timer is armed");
    let granted = lock.fire_due(expiry).unwrap();
    assert_eq!(bodies(&granted)[0]["token"], 2, "{granted:?}");
}

#[test]
fn unknown_bug_is_refused_before_init_naming_the_known_ones() {
    let err = Host::<KeyedPaxos>::new(NodeOptions {
        bug: Some("nope".into()),
        ..NodeOptions::default()
    })
    .err()
    .expect("an unknown bug is an error")
    .to_string();
    assert!(err.contains("ignore-promise"), "{err}");
}
