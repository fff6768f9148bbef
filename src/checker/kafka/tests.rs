//! One history per error type, built operation by operation, and the claims about it.

use super::*;
use crate::checker::Verdict;
use crate::history::{EventKind, Value};

/// Builds kafka histories; each operation completes before the next is invoked.
#[derive(Default)]
struct Builder {
    events: Vec<Event>,
}

fn key(k: &str) -> Value {
    Value::str(k)
}

fn pair(o: i64, m: i64) -> Value {
    Value::list(vec![Value::Int(o), Value::Int(m)])
}

impl Builder {
    fn op(&mut self, p: u64, f: &str, input: Value, kind: EventKind, output: Value) -> &mut Self {
        self.events.push(Event::new(p, EventKind::Invoke, f, input));
        self.events.push(Event::new(p, kind, f, output));
        self
    }

    fn send(&mut self, p: u64, k: &str, msg: i64, offset: i64) -> &mut Self {
        let mop = |v| Value::list(vec![Value::str("send"), key(k), v]);
        self.op(
            p,
            "send",
            Value::list(vec![mop(Value::Int(msg))]),
            EventKind::Ok,
            Value::list(vec![mop(pair(offset, msg))]),
        )
    }

    fn send_ended(&mut self, p: u64, k: &str, msg: i64, kind: EventKind) -> &mut Self {
        let v = Value::list(vec![Value::list(vec![
            Value::str("send"),
            key(k),
            Value::Int(msg),
        ])]);
        self.op(p, "send", v.clone(), kind, v)
    }

    fn poll(&mut self, p: u64, k: &str, pairs: &[(i64, i64)]) -> &mut Self {
        let msgs = Value::list(pairs.iter().map(|&(o, m)| pair(o, m)).collect::<Vec<_>>());
        let out = Value::list(vec![Value::list(vec![
            Value::str("poll"),
            Value::Map(vec![(key(k), msgs)].into_boxed_slice()),
        ])]);
        let input = Value::list(vec![Value::list(vec![Value::str("poll")])]);
        self.op(p, "poll", input, EventKind::Ok, out)
    }

    fn assign(&mut self, p: u64, keys: &[&str]) -> &mut Self {
        let v = Value::list(keys.iter().map(|k| key(k)).collect::<Vec<_>>());
        self.op(p, "assign", v.clone(), EventKind::Ok, v)
    }

    fn check(&self) -> KafkaReport {
        check(&History::new(self.events.clone())).unwrap()
    }
}

fn types(r: &KafkaReport) -> Vec<&'static str> {
    r.error_types.iter().map(|e| e.name()).collect()
}

#[test]
fn sends_then_polls_in_order_are_valid() {
    let r = Builder::default()
        .send(0, "a", 1, 0)
        .send(0, "a", 2, 1)
        .send(1, "b", 3, 0)
        .poll(1, "a", &[(0, 1), (1, 2)])
        .poll(0, "b", &[(0, 3)])
        .check();
    assert_eq!(r.verdict, Verdict::Valid, "{:?}", types(&r));
    assert!(r.error_types.is_empty());
    assert_eq!(r.stats.sent, 3);
}

#[test]
fn one_message_at_two_offsets_is_a_duplicate() {
    let r = Builder::default()
        .send(0, "a", 1, 0)
        .poll(1, "a", &[(0, 1), (1, 1)])
        .check();
    assert_eq!(r.verdict, Verdict::Invalid);
    assert!(types(&r).contains(&"duplicate"), "{:?}", types(&r));
}

#[test]
fn two_messages_at_one_offset_are_inconsistent_offsets() {
    let r = Builder::default()
        .send(0, "a", 1, 0)
        .send(1, "a", 2, 0)
        .poll(2, "a", &[(0, 1)])
        .poll(3, "a", &[(0, 2)])
        .check();
    assert!(
        types(&r).contains(&"inconsistent-offsets"),
        "{:?}",
        types(&r)
    );
    assert_eq!(r.verdict, Verdict::Invalid);
    let case = &r.errors[&KafkaError::InconsistentOffsets].cases[0];
    assert_eq!(case.ops.len(), 4, "both sends and both polls show it");
}

#[test]
fn a_poll_that_jumps_over_a_known_offset_is_an_int_poll_skip() {
    let r = Builder::default()
        .send(0, "a", 1, 0)
        .send(0, "a", 2, 1)
        .send(0, "a", 3, 2)
        .poll(1, "a", &[(0, 1), (1, 2), (2, 3)])
        .poll(2, "a", &[(0, 1), (2, 3)])
        .check();
    assert_eq!(types(&r), vec!["int-poll-skip"]);
    assert_eq!(
        r.errors[&KafkaError::IntPollSkip].cases[0].detail["delta"],
        2
    );
}

#[test]
fn a_poll_that_goes_backwards_is_an_int_nonmonotonic_poll() {
    let r = Builder::default()
        .send(0, "a", 1, 0)
        .send(0, "a", 2, 1)
        .poll(1, "a", &[(0, 1), (1, 2)])
        .poll(2, "a", &[(1, 2), (0, 1)])
        .check();
    assert!(
        types(&r).contains(&"int-nonmonotonic-poll"),
        "{:?}",
        types(&r)
    );
}

#[test]
fn a_process_whose_next_poll_skips_ahead_is_a_poll_skip() {
    let r = Builder::default()
        .send(0, "a", 1, 0)
        .send(0, "a", 2, 1)
        .send(0, "a", 3, 2)
        .poll(2, "a", &[(0, 1), (1, 2), (2, 3)])
        .poll(1, "a", &[(0, 1)])
        .poll(1, "a", &[(2, 3)])
        .check();
    assert_eq!(types(&r), vec!["poll-skip"]);
}

#[test]
fn a_process_whose_next_poll_repeats_is_a_nonmonotonic_poll_unless_it_assigned_in_between() {
    let mut b = Builder::default();
    b.send(0, "a", 1, 0).send(0, "a", 2, 1);
    b.poll(1, "a", &[(0, 1), (1, 2)]).poll(1, "a", &[(1, 2)]);
    assert_eq!(types(&b.check()), vec!["nonmonotonic-poll"]);
    let mut b = Builder::default();
    b.send(0, "a", 1, 0).send(0, "a", 2, 1);
    b.poll(1, "a", &[(0, 1), (1, 2)])
        .assign(1, &["a"])
        .poll(1, "a", &[(1, 2)]);
    assert_eq!(
        types(&b.check()),
        vec!["nonmonotonic-poll"],
        "assign keeps named keys"
    );
    let mut b = Builder::default();
    b.send(0, "a", 1, 0).send(0, "a", 2, 1);
    b.poll(1, "a", &[(0, 1), (1, 2)])
        .assign(1, &["b"])
        .poll(1, "a", &[(1, 2)]);
    assert!(
        b.check().error_types.is_empty(),
        "assign forgets other keys"
    );
}

#[test]
fn a_process_whose_second_send_lands_earlier_is_a_nonmonotonic_send() {
    let r = Builder::default()
        .send(0, "a", 1, 5)
        .send(0, "a", 2, 3)
        .poll(1, "a", &[(3, 2), (5, 1)])
        .check();
    assert_eq!(types(&r), vec!["nonmonotonic-send"]);
}

#[test]
fn a_poll_of_a_failed_send_is_g1a() {
    let r = Builder::default()
        .send_ended(0, "a", 1, EventKind::Fail)
        .poll(1, "a", &[(0, 1)])
        .check();
    assert_eq!(types(&r), vec!["G1a"]);
    assert_eq!(r.errors[&KafkaError::G1a].cases[0].ops.len(), 2);
}

#[test]
fn an_acknowledged_message_below_a_polled_one_and_never_polled_is_a_lost_write() {
    let r = Builder::default()
        .send(0, "a", 1, 0)
        .send(0, "a", 2, 1)
        .poll(1, "a", &[(1, 2)])
        .check();
    let t = types(&r);
    assert!(t.contains(&"lost-write") && t.contains(&"unseen"), "{t:?}");
    let lost = &r.errors[&KafkaError::LostWrite].cases[0];
    assert_eq!(lost.detail["value"], 1);
}

#[test]
fn a_crashed_send_never_polled_is_neither_lost_nor_unseen_but_polled_it_counts() {
    let mut b = Builder::default();
    b.send_ended(0, "a", 1, EventKind::Info)
        .send(1, "a", 2, 1)
        .poll(2, "a", &[(1, 2)]);
    assert!(b.check().error_types.is_empty(), "{:?}", types(&b.check()));
}

#[test]
fn an_acknowledged_message_nobody_polled_is_unseen() {
    let r = Builder::default()
        .send(0, "a", 1, 0)
        .send(0, "b", 2, 0)
        .poll(1, "a", &[(0, 1)])
        .check();
    assert_eq!(types(&r), vec!["unseen"]);
    assert_eq!(
        r.errors[&KafkaError::Unseen].cases[0].detail["unseen"]["b"],
        1
    );
}

#[test]
fn a_poll_of_a_message_sent_after_it_returned_is_g1c_realtime() {
    let r = Builder::default()
        .poll(1, "a", &[(0, 1)])
        .send(0, "a", 1, 0)
        .check();
    assert_eq!(types(&r), vec!["G1c-realtime"]);
    assert_eq!(r.verdict, Verdict::Invalid);
}

#[test]
fn a_poll_concurrent_with_the_send_it_saw_is_valid() {
    let mut b = Builder::default();
    let send_in = Value::list(vec![Value::list(vec![
        Value::str("send"),
        key("a"),
        Value::Int(1),
    ])]);
    let send_out = Value::list(vec![Value::list(vec![
        Value::str("send"),
        key("a"),
        pair(0, 1),
    ])]);
    b.events
        .push(Event::new(0, EventKind::Invoke, "send", send_in));
    b.poll(1, "a", &[(0, 1)]);
    b.events
        .push(Event::new(0, EventKind::Ok, "send", send_out));
    assert!(b.check().error_types.is_empty(), "{:?}", types(&b.check()));
}

#[test]
fn a_transaction_reading_its_own_send_is_a_precommitted_read() {
    let mop_send = Value::list(vec![Value::str("send"), key("a"), pair(0, 1)]);
    let mop_poll = Value::list(vec![
        Value::str("poll"),
        Value::Map(vec![(key("a"), Value::list(vec![pair(0, 1)]))].into_boxed_slice()),
    ]);
    let mut b = Builder::default();
    b.op(
        0,
        "txn",
        Value::list(vec![mop_send.clone()]),
        EventKind::Ok,
        Value::list(vec![mop_send, mop_poll]),
    );
    assert_eq!(types(&b.check()), vec!["precommitted-read"]);
}

#[test]
fn a_micro_op_that_is_neither_send_nor_poll_is_an_error() {
    let mut b = Builder::default();
    let bad = Value::list(vec![Value::list(vec![
        Value::str("r"),
        key("a"),
        Value::Nil,
    ])]);
    b.op(0, "send", bad.clone(), EventKind::Ok, bad);
    let e = check(&History::new(b.events)).unwrap_err().to_string();
    assert!(e.contains("\"send\" or \"poll\""), "{e}");
}
