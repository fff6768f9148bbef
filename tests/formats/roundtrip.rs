//! Round trips between the formats: native → native and native → EDN → native are the identity,
//! EDN → EDN is the identity, and EDN → native → EDN keeps every field (keywords become strings,
//! sets lists, as `format::edn` documents).

use proptest::prelude::*;
use splitbrain::history::format::{self, Format};
use splitbrain::history::{Event, EventKind, History, Process, Value};

use super::corpus::files;

/// `history` written in `format` and parsed back, with source lines cleared.
fn through(history: &History, format: Format) -> History {
    let mut text = Vec::new();
    format::write(history, format, &mut text).unwrap();
    let mut back = format::parse(&text, format, None)
        .unwrap_or_else(|e| panic!("{e}\n{}", String::from_utf8_lossy(&text)));
    clear_lines(&mut back);
    back
}

fn clear_lines(history: &mut History) {
    for e in &mut history.events {
        e.line = 0;
    }
}

/// What JSON keeps of a value: keywords as strings, sets as lists, map keys as strings.
fn jsonish(v: &Value) -> Value {
    match v {
        Value::Keyword(k) => Value::Str(k.clone()),
        Value::List(items) | Value::Set(items) => Value::List(items.iter().map(jsonish).collect()),
        Value::Map(entries) => Value::Map(
            entries
                .iter()
                .map(|(k, v)| {
                    let k = match k {
                        Value::Str(s) => Value::Str(s.clone()),
                        other => Value::Str(other.to_string().into()),
                    };
                    (k, jsonish(v))
                })
                .collect(),
        ),
        other => other.clone(),
    }
}

fn jsonish_history(history: &History) -> History {
    let mut out = history.clone();
    for e in &mut out.events {
        e.key = e.key.as_ref().map(jsonish);
        e.value = jsonish(&e.value);
        e.error = e.error.as_ref().map(jsonish);
        for (_, v) in &mut e.extra {
            *v = jsonish(v);
        }
    }
    out
}

fn leaf(edn: bool) -> BoxedStrategy<Value> {
    let common = prop_oneof![
        Just(Value::Nil),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::Int),
        any::<f64>()
            .prop_filter("finite", |x| x.is_finite())
            .prop_map(Value::Float),
        ".{0,6}".prop_map(|s| Value::Str(s.into())),
    ];
    if edn {
        prop_oneof![4 => common, 1 => "[a-z][a-z0-9?!*/.-]{0,6}".prop_map(|k| Value::Keyword(k.into()))].boxed()
    } else {
        common.boxed()
    }
}

fn value(edn: bool) -> BoxedStrategy<Value> {
    leaf(edn)
        .prop_recursive(3, 24, 4, move |inner| {
            let key = if edn {
                inner.clone().boxed()
            } else {
                ".{0,4}".prop_map(|s| Value::Str(s.into())).boxed()
            };
            let list = prop::collection::vec(inner.clone(), 0..4).prop_map(Value::list);
            let map = prop::collection::vec((key, inner.clone()), 0..3)
                .prop_map(|e| Value::Map(e.into()));
            if edn {
                let set = prop::collection::vec(inner, 0..3).prop_map(|s| Value::Set(s.into()));
                prop_oneof![list, map, set].boxed()
            } else {
                prop_oneof![list, map].boxed()
            }
        })
        .boxed()
}

const FIELDS: [&str; 8] = [
    "index", "time", "process", "type", "f", "key", "value", "error",
];

fn event(edn: bool) -> impl Strategy<Value = Event> {
    let kind = prop_oneof![
        Just(EventKind::Invoke),
        Just(EventKind::Ok),
        Just(EventKind::Fail),
        Just(EventKind::Info)
    ];
    let process = prop_oneof![8 => (0..i64::MAX as u64).prop_map(Process::Client), 1 => Just(Process::Nemesis)];
    let f = prop_oneof![
        Just("cas".to_string()),
        Just("read".to_string()),
        "[a-z][a-z-]{0,6}",
        ".{0,4}"
    ];
    let extra = prop::collection::vec(("[a-z][a-z-]{0,5}|.{1,4}", value(edn)), 0..3);
    (
        (
            proptest::option::of(0..i64::MAX as u64),
            proptest::option::of(any::<i64>()),
            process,
            kind,
            f,
        ),
        (
            proptest::option::of(value(edn)),
            value(edn),
            proptest::option::of(value(edn)),
            extra,
        ),
    )
        .prop_map(
            |((index, time, process, kind, f), (key, value, error, extra))| {
                // Extra fields: never a standard field's name, each name once.
                let mut extras: Vec<(Box<str>, Value)> = Vec::new();
                for (name, v) in extra {
                    if !FIELDS.contains(&name.as_str()) && !extras.iter().any(|(m, _)| **m == *name)
                    {
                        extras.push((name.into_boxed_str(), v));
                    }
                }
                Event {
                    index,
                    time,
                    process,
                    kind,
                    f: f.as_str().into(),
                    key,
                    value,
                    error,
                    extra: extras,
                    line: 0,
                }
            },
        )
}

/// Histories; in half of them every client event has a key (so EDN writes `[k v]` tuples).
fn history(edn: bool) -> impl Strategy<Value = History> {
    (prop::collection::vec(event(edn), 0..10), any::<bool>()).prop_map(|(mut events, all_keyed)| {
        if all_keyed {
            for e in events.iter_mut().filter(|e| e.process != Process::Nemesis) {
                e.key.get_or_insert(Value::Int(7));
            }
        }
        History::new(events)
    })
}

/// A keyless history that Jepsen's format cannot tell from an independent one.
fn looks_independent(history: &History) -> bool {
    let mut clients = history
        .events
        .iter()
        .filter(|e| e.process != Process::Nemesis)
        .peekable();
    clients.peek().is_some()
        && clients.all(|e| {
            e.key.is_none()
                && matches!(&e.value, Value::List(items) if items.len() == 2
                    && (&*e.f != "cas" || items[1].is_nil() || matches!(&items[1], Value::List(p) if p.len() == 2)))
        })
}

proptest! {
    #![proptest_config(super::config(256))]

    #[test]
    fn native_writer_output_parses_back_to_an_equal_history(h in history(false)) {
        prop_assert_eq!(through(&h, Format::Jsonl), h);
    }

    #[test]
    fn native_to_edn_to_native_is_the_identity(h in history(false)) {
        prop_assume!(!looks_independent(&h));
        let edn = through(&h, Format::Edn);
        prop_assert_eq!(&edn, &h);
        prop_assert_eq!(through(&edn, Format::Jsonl), h);
    }

    #[test]
    fn edn_writer_output_parses_back_to_an_equal_history(h in history(true)) {
        prop_assume!(!looks_independent(&h));
        prop_assert_eq!(through(&h, Format::Edn), h);
    }

    #[test]
    fn edn_to_native_to_edn_keeps_every_field(h in history(true)) {
        prop_assume!(!looks_independent(&jsonish_history(&h)));
        let native = through(&h, Format::Jsonl);
        prop_assert_eq!(through(&native, Format::Edn), jsonish_history(&h));
    }
}

#[test]
fn native_writer_puts_exactly_one_object_on_each_line() {
    let h = History::new(vec![
        Event::new(0, EventKind::Invoke, "write", Value::str("a\nb")),
        Event::new(0, EventKind::Ok, "write", Value::list(vec![Value::Nil])),
    ]);
    let mut text = Vec::new();
    format::write(&h, Format::Jsonl, &mut text).unwrap();
    let text = String::from_utf8(text).unwrap();
    assert_eq!(text.lines().count(), 2);
    assert!(text.lines().all(|l| l.starts_with('{') && l.ends_with('}')));
}

#[test]
fn keyed_history_is_written_as_jepsen_tuples_and_read_back() {
    let h = History::new(vec![
        Event::new(
            0,
            EventKind::Invoke,
            "cas",
            Value::list(vec![1.into(), 2.into()]),
        )
        .with_key("x".into()),
        Event::new(
            0,
            EventKind::Ok,
            "cas",
            Value::list(vec![1.into(), 2.into()]),
        )
        .with_key("x".into()),
    ]);
    let mut text = Vec::new();
    format::write(&h, Format::Edn, &mut text).unwrap();
    assert_eq!(
        String::from_utf8(text).unwrap(),
        "{:type :invoke, :process 0, :f :cas, :value [\"x\" [1 2]]}\n{:type :ok, :process 0, :f :cas, :value [\"x\" [1 2]]}\n"
    );
    assert_eq!(through(&h, Format::Edn), h);
}

#[test]
fn corpus_kv_logs_survive_edn_to_native_to_edn() {
    for path in files("kv") {
        let (_, mut original) = format::read(&path, None).unwrap();
        clear_lines(&mut original);
        let native = through(&original, Format::Jsonl);
        assert_eq!(native, original, "{}", path.display());
        assert_eq!(
            through(&native, Format::Edn),
            original,
            "{}",
            path.display()
        );
    }
}

#[test]
fn corpus_etcd_logs_convert_to_edn_exactly_and_to_native_with_string_errors() {
    for path in files("jepsen").into_iter().step_by(10) {
        let (_, mut original) = format::read(&path, None).unwrap();
        clear_lines(&mut original);
        assert_eq!(
            through(&original, Format::Edn),
            original,
            "{}",
            path.display()
        );
        assert_eq!(
            through(&original, Format::Jsonl),
            jsonish_history(&original),
            "{}",
            path.display()
        );
    }
}
