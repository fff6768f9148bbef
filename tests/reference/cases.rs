//! Hand-built histories pinning the reference's semantics: registers, kv, append-kv, mutex.
//!
//! Histories are written one event per line, `PROCESS TYPE F [@KEY] VALUE`, with the value in
//! JSON (`0 invoke cas [1,2]`, `1 ok get @x "ab"`).

use splitbrain::history::{pair, Event, EventKind, Op, Value};

use super::{brute_force, brute_force_by_key, brute_force_relaxed, OutOfBudget, Spec};
use crate::jsonl::from_json;

/// The operations of the history written in `text` (see the module docs).
pub fn h(text: &str) -> Vec<Op> {
    let events = text.lines().filter(|l| !l.trim().is_empty()).map(|line| {
        let mut words = line.split_whitespace();
        let mut next = || words.next().unwrap_or_else(|| panic!("short line: {line}"));
        let process: u64 = next().parse().expect("process");
        let kind = EventKind::from_name(next()).expect("type");
        let f = next();
        let mut rest: Vec<&str> = words.collect();
        let key = match rest.first() {
            Some(k) if k.starts_with('@') => Some(Value::str(&rest.remove(0)[1..])),
            _ => None,
        };
        let json = if rest.is_empty() {
            "null".to_string()
        } else {
            rest.join(" ")
        };
        let value = from_json(&serde_json::from_str(&json).expect("JSON value"));
        let event = Event::new(process, kind, f, value);
        match key {
            Some(key) => event.with_key(key),
            None => event,
        }
    });
    pair(events, None).expect("well-formed history")
}

fn valid(spec: Spec, text: &str) -> bool {
    brute_force(spec, &h(text))
}

const INFO_WRITE_OBSERVED: &str = "
    0 invoke write 1
    0 info write 1
    1 invoke read
    1 ok read 1";

#[test]
fn sequential_write_then_read_of_it_is_valid() {
    assert!(valid(
        Spec::Register,
        "0 invoke write 1\n0 ok write 1\n0 invoke read\n0 ok read 1"
    ));
}

#[test]
fn read_of_the_initial_nil_is_valid() {
    assert!(valid(Spec::Register, "0 invoke read\n0 ok read null"));
}

#[test]
fn stale_read_after_a_completed_write_is_invalid() {
    assert!(!valid(
        Spec::Register,
        "0 invoke write 1\n0 ok write 1\n1 invoke read\n1 ok read null"
    ));
}

#[test]
fn read_concurrent_with_a_write_may_see_either_value() {
    let around = "0 invoke write 1\n1 invoke read\n1 ok read VALUE\n0 ok write 1";
    assert!(valid(Spec::Register, &around.replace("VALUE", "1")));
    assert!(valid(Spec::Register, &around.replace("VALUE", "null")));
    assert!(!valid(Spec::Register, &around.replace("VALUE", "2")));
}

#[test]
fn info_write_observed_later_is_valid() {
    assert!(valid(Spec::Register, INFO_WRITE_OBSERVED));
    assert!(valid(Spec::CasRegister, INFO_WRITE_OBSERVED));
    assert!(valid(Spec::EtcdRegister, INFO_WRITE_OBSERVED));
}

#[test]
fn info_write_may_never_take_effect() {
    assert!(valid(
        Spec::Register,
        "0 invoke write 1\n0 info write 1\n1 invoke read\n1 ok read null"
    ));
}

#[test]
fn invocation_never_completed_behaves_like_info() {
    assert!(valid(
        Spec::Register,
        "0 invoke write 1\n1 invoke read\n1 ok read 1"
    ));
    assert!(valid(
        Spec::Register,
        "0 invoke write 1\n1 invoke read\n1 ok read null"
    ));
}

#[test]
fn info_write_cannot_take_effect_before_its_invocation() {
    assert!(!valid(
        Spec::Register,
        "1 invoke read\n1 ok read 1\n0 invoke write 1\n0 info write 1"
    ));
}

#[test]
fn info_write_takes_effect_at_most_once() {
    let text = "
        0 invoke write 1
        0 ok write 1
        1 invoke write 2
        1 info write 2
        2 invoke read
        2 ok read 2
        2 invoke read
        2 ok read 1";
    assert!(!valid(Spec::Register, text));
}

#[test]
fn failed_write_did_not_happen() {
    let text = "0 invoke write 1\n0 fail write 1\n1 invoke read\n1 ok read RESULT";
    assert!(!valid(Spec::Register, &text.replace("RESULT", "1")));
    assert!(valid(Spec::Register, &text.replace("RESULT", "null")));
}

#[test]
fn unknown_and_failed_reads_are_ignored() {
    assert!(valid(
        Spec::Register,
        "0 invoke read\n0 info read 7\n1 invoke read\n1 fail read 8"
    ));
    assert!(valid(Spec::EtcdRegister, "0 invoke read\n0 fail read 8"));
}

#[test]
fn real_time_order_between_completed_writes_is_respected() {
    let text = "
        0 invoke write 1
        0 ok write 1
        0 invoke write 2
        0 ok write 2
        1 invoke read
        1 ok read 1";
    assert!(!valid(Spec::Register, text));
}

#[test]
fn successful_cas_from_the_current_value_is_valid() {
    let text = "0 invoke write 1\n0 ok write 1\n0 invoke cas [1,2]\n0 ok cas [1,2]\n0 invoke read\n0 ok read 2";
    assert!(valid(Spec::CasRegister, text));
    assert!(valid(Spec::EtcdRegister, text));
}

#[test]
fn successful_cas_from_another_value_is_invalid() {
    let text = "0 invoke write 1\n0 ok write 1\n0 invoke cas [0,2]\n0 ok cas [0,2]";
    assert!(!valid(Spec::CasRegister, text));
    assert!(!valid(Spec::EtcdRegister, text));
}

const FAILED_CAS_THAT_SHOULD_HAVE_SUCCEEDED: &str = "
    0 invoke write 1
    0 ok write 1
    0 invoke cas [1,2]
    0 fail cas [1,2]
    0 invoke read
    0 ok read 1";

#[test]
fn failed_cas_is_ignored_by_cas_register() {
    assert!(valid(
        Spec::CasRegister,
        FAILED_CAS_THAT_SHOULD_HAVE_SUCCEEDED
    ));
    assert!(valid(Spec::Kv, FAILED_CAS_THAT_SHOULD_HAVE_SUCCEEDED));
}

#[test]
fn failed_cas_contradicting_the_state_is_invalid_in_etcd_register() {
    assert!(!valid(
        Spec::EtcdRegister,
        FAILED_CAS_THAT_SHOULD_HAVE_SUCCEEDED
    ));
}

#[test]
fn failed_cas_consistent_with_the_state_is_valid_in_etcd_register() {
    let text = "0 invoke write 1\n0 ok write 1\n0 invoke cas [0,2]\n0 fail cas [0,2]\n0 invoke read\n0 ok read 1";
    assert!(valid(Spec::EtcdRegister, text));
}

#[test]
fn failed_cas_in_etcd_register_may_be_placed_before_a_concurrent_write() {
    let text = "0 invoke write 1\n1 invoke cas [1,2]\n1 fail cas [1,2]\n0 ok write 1";
    assert!(valid(Spec::EtcdRegister, text));
    let after = "0 invoke write 1\n0 ok write 1\n1 invoke cas [1,2]\n1 fail cas [1,2]";
    assert!(!valid(Spec::EtcdRegister, after));
}

#[test]
fn info_cas_observed_later_is_valid_only_from_its_old_value() {
    let text = "0 invoke write 1\n0 ok write 1\n1 invoke cas [OLD,2]\n1 info cas [OLD,2]\n2 invoke read\n2 ok read 2";
    assert!(valid(Spec::CasRegister, &text.replace("OLD", "1")));
    assert!(!valid(Spec::CasRegister, &text.replace("OLD", "3")));
}

#[test]
fn kv_keys_are_independent_objects() {
    let text = "
        0 invoke write @x 1
        1 invoke write @y 2
        1 ok write @y 2
        0 ok write @x 1
        0 invoke read @x
        0 ok read @x 1
        1 invoke read @y
        1 ok read @y 2";
    assert!(valid(Spec::Kv, text));
    let crossed = "0 invoke write @x 1\n0 ok write @x 1\n1 invoke read @y\n1 ok read @y 1";
    let verdicts = brute_force_by_key(Spec::Kv, &h(crossed));
    assert_eq!(
        verdicts,
        vec![
            (Some(Value::str("x")), true),
            (Some(Value::str("y")), false)
        ]
    );
}

#[test]
fn append_kv_reads_the_concatenation_of_puts_and_appends() {
    let text = "
        0 invoke put @k \"a\"
        0 ok put @k \"a\"
        0 invoke append @k \"b\"
        0 ok append @k \"b\"
        1 invoke get @k
        1 ok get @k RESULT";
    assert!(valid(Spec::AppendKv, &text.replace("RESULT", "\"ab\"")));
    assert!(!valid(Spec::AppendKv, &text.replace("RESULT", "\"ba\"")));
    assert!(!valid(Spec::AppendKv, &text.replace("RESULT", "\"a\"")));
}

#[test]
fn append_kv_missing_key_reads_as_the_empty_string() {
    assert!(valid(Spec::AppendKv, "0 invoke get @k\n0 ok get @k \"\""));
    assert!(!valid(Spec::AppendKv, "0 invoke get @k\n0 ok get @k null"));
}

#[test]
fn append_kv_info_append_applies_at_most_once() {
    let text =
        "0 invoke append @k \"b\"\n0 info append @k \"b\"\n1 invoke get @k\n1 ok get @k RESULT";
    assert!(valid(Spec::AppendKv, &text.replace("RESULT", "\"b\"")));
    assert!(valid(Spec::AppendKv, &text.replace("RESULT", "\"\"")));
    assert!(!valid(Spec::AppendKv, &text.replace("RESULT", "\"bb\"")));
}

#[test]
fn mutex_acquire_release_acquire_is_valid() {
    let text = "0 invoke acquire\n0 ok acquire\n0 invoke release\n0 ok release\n1 invoke acquire\n1 ok acquire";
    assert!(valid(Spec::Mutex, text));
}

#[test]
fn mutex_with_two_holders_is_invalid() {
    assert!(!valid(
        Spec::Mutex,
        "0 invoke acquire\n0 ok acquire\n1 invoke acquire\n1 ok acquire"
    ));
}

#[test]
fn mutex_release_of_a_free_lock_is_invalid() {
    assert!(!valid(Spec::Mutex, "0 invoke release\n0 ok release"));
}

#[test]
fn mutex_failed_acquire_did_not_take_the_lock() {
    let text = "0 invoke acquire\n0 fail acquire\n1 invoke acquire\n1 ok acquire";
    assert!(valid(Spec::Mutex, text));
}

#[test]
fn mutex_info_release_may_have_freed_the_lock() {
    let text = "0 invoke acquire\n0 ok acquire\n0 invoke release\n0 info release\n1 invoke acquire\n1 ok acquire";
    assert!(valid(Spec::Mutex, text));
    let no_release = "0 invoke acquire\n0 ok acquire\n0 invoke release\n0 fail release\n1 invoke acquire\n1 ok acquire";
    assert!(!valid(Spec::Mutex, no_release));
}

#[test]
fn relaxed_operations_may_take_effect_any_time_after_their_invocation_or_never() {
    let ops = h("
        0 invoke write 1
        0 ok write 1
        1 invoke read
        1 ok read 1
        1 invoke read
        1 ok read null");
    let reads = [ops[1].clone(), ops[2].clone()];
    assert_eq!(
        brute_force_relaxed(Spec::Register, &ops, &reads, u64::MAX),
        Ok(false)
    );
    assert_eq!(
        brute_force_relaxed(Spec::Register, &ops, &reads[1..], u64::MAX),
        Ok(true)
    );
    assert!(
        !brute_force(Spec::Register, &reads[..1]),
        "alone, the read of 1 has no write"
    );
}

#[test]
fn relaxed_search_gives_up_when_out_of_budget() {
    let ops = h(INFO_WRITE_OBSERVED);
    assert_eq!(
        brute_force_relaxed(Spec::Register, &ops, &ops[1..], 0),
        Err(OutOfBudget)
    );
}

#[test]
fn relaxed_dequeue_keeps_its_value() {
    let ops = h("
        0 invoke enqueue 1
        0 ok enqueue 1
        0 invoke enqueue 2
        0 ok enqueue 2
        1 invoke dequeue
        1 ok dequeue 2
        2 invoke dequeue
        2 ok dequeue 2");
    // Relaxed, the first dequeue of 2 still cannot take the 1 out of the way for the second.
    let sub = [ops[0].clone(), ops[1].clone(), ops[3].clone()];
    assert_eq!(
        brute_force_relaxed(Spec::Queue, &ops, &sub, u64::MAX),
        Ok(false)
    );
}
