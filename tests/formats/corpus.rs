//! Every file of the Porcupine corpus (`histories/corpus/porcupine/`) reads, with the format
//! detected, one event per line, and the sizes its README states.

use std::path::{Path, PathBuf};

use splitbrain::history::format::{self, Format};
use splitbrain::history::{EventKind, Process, Value};

/// The corpus directory of this checkout.
pub fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("histories/corpus/porcupine")
}

/// The files of `sub` (`jepsen` or `kv`), sorted.
pub fn files(sub: &str) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(corpus().join(sub))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    files
}

fn line_count(path: &Path) -> usize {
    std::fs::read(path)
        .unwrap()
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
}

#[test]
fn corpus_has_103_etcd_logs_and_6_kv_logs() {
    assert_eq!(files("jepsen").len(), 103);
    assert_eq!(files("kv").len(), 6);
    assert!(corpus().join("README.md").is_file());
}

#[test]
fn every_etcd_log_reads_as_porcupine_etcd_with_one_event_per_line() {
    let mut ops = 0;
    for path in files("jepsen") {
        let (format, history) = format::read(&path, None).unwrap();
        let lines = line_count(&path);
        if lines == 0 {
            // etcd_095.log is empty: nothing to detect, an empty history.
            assert_eq!(format, Format::Jsonl, "{}", path.display());
        } else {
            assert_eq!(format, Format::PorcupineEtcd, "{}", path.display());
        }
        assert_eq!(history.events.len(), lines, "{}", path.display());
        for (i, event) in history.events.iter().enumerate() {
            assert_eq!(event.line as usize, i + 1);
        }
        let (_, read_ops) = format::read_ops(&path, Some(Format::PorcupineEtcd)).unwrap();
        ops += read_ops.len();
    }
    assert_eq!(ops, 8_523, "the README counts 8,523 operations");
}

#[test]
fn etcd_log_lines_map_to_the_documented_events() {
    let (_, history) = format::read(&corpus().join("jepsen/etcd_000.log"), None).unwrap();
    let first = &history.events[0];
    assert_eq!(
        (first.process, first.kind, &*first.f, &first.value),
        (Process::Client(0), EventKind::Invoke, "read", &Value::Nil)
    );
    assert_eq!(
        (first.index, first.time, &first.key, &first.error),
        (None, None, &None, &None)
    );
    let timed_out = Some(Value::Keyword("timed-out".into()));
    let all = format::read(&corpus().join("jepsen/etcd_100.log"), None)
        .unwrap()
        .1
        .events;
    assert!(all
        .iter()
        .any(|e| e.kind == EventKind::Info && e.error == timed_out && e.value.is_nil()));
    let cas = all.iter().find(|e| &*e.f == "cas").unwrap();
    assert!(matches!(&cas.value, Value::List(items) if items.len() == 2));
}

#[test]
fn every_kv_log_reads_as_edn_with_a_key_on_every_event() {
    let expected_ops = [
        ("c01-bad", 38),
        ("c01-ok", 58),
        ("c10-bad", 405),
        ("c10-ok", 337),
        ("c50-bad", 2024),
        ("c50-ok", 1712),
    ];
    for (path, (name, ops)) in files("kv").iter().zip(expected_ops) {
        assert!(path.ends_with(format!("{name}.txt")), "{}", path.display());
        let (format, history) = format::read(path, None).unwrap();
        assert_eq!(format, Format::Edn);
        assert_eq!(history.events.len(), line_count(path));
        assert!(history
            .events
            .iter()
            .all(|e| matches!(&e.key, Some(Value::Str(_)))));
        let (_, read_ops) = format::read_ops(path, None).unwrap();
        assert_eq!(read_ops.len(), ops, "{name}");
    }
}

#[test]
fn file_extensions_of_the_corpus_suggest_the_right_format() {
    assert_eq!(
        Format::from_extension(&files("jepsen")[0]),
        Some(Format::PorcupineEtcd)
    );
    assert_eq!(Format::from_extension(&files("kv")[0]), None);
}
