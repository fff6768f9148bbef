//! Detection of each format from files, `--format` overriding it, and the exact messages for
//! malformed inputs (file, line, column, what was expected, what was found).

use std::path::{Path, PathBuf};

use splitbrain::history::format::{self, Format};
use splitbrain::history::HistoryError;

/// Writes `bytes` to a file named `name` in a fresh temp directory.
fn file(dir: &tempfile::TempDir, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.path().join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

fn read_err(path: &Path, format: Option<Format>) -> String {
    format::read(path, format).unwrap_err().to_string()
}

#[test]
fn each_format_is_detected_from_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let cases: [(&str, &[u8], Format, usize); 6] = [
        (
            "a.txt",
            b"{\"process\":0,\"type\":\"invoke\",\"f\":\"read\"}\n",
            Format::Jsonl,
            1,
        ),
        (
            "b.txt",
            b"{:process 0, :type :invoke, :f :read}\n",
            Format::Edn,
            1,
        ),
        (
            "c.txt",
            b"[{:process 0, :type :invoke, :f :read}]",
            Format::Edn,
            1,
        ),
        (
            "d.txt",
            b"INFO  jepsen.util - 0\t:invoke\t:read\tnil\n",
            Format::PorcupineEtcd,
            1,
        ),
        ("e.txt", b"", Format::Jsonl, 0),
        (
            "f.txt",
            b"\xEF\xBB\xBF\r\n{:process 0,\r\n :type :invoke, :f :read}\r\n",
            Format::Edn,
            1,
        ),
    ];
    for (name, bytes, expected, events) in cases {
        let (format, history) = format::read(&file(&dir, name, bytes), None).unwrap();
        assert_eq!((format, history.events.len()), (expected, events), "{name}");
    }
}

#[test]
fn detection_looks_past_a_long_run_of_blank_lines() {
    let dir = tempfile::tempdir().unwrap();
    let mut bytes = vec![b'\n'; 200_000];
    bytes.extend_from_slice(b"{:process 0, :type :invoke, :f :read}\n");
    let (format, history) = format::read(&file(&dir, "blank.txt", &bytes), None).unwrap();
    assert_eq!((format, history.events[0].line), (Format::Edn, 200_001));
}

#[test]
fn explicit_format_overrides_detection() {
    let dir = tempfile::tempdir().unwrap();
    let path = file(&dir, "h.jsonl", b"{:process 0, :type :invoke, :f :read}\n");
    assert_eq!(
        read_err(&path, Some(Format::Jsonl)),
        format!(
            "{}:1:2: expected a string key, found :process",
            path.display()
        )
    );
}

#[test]
fn unknown_format_asks_for_format_flag() {
    let dir = tempfile::tempdir().unwrap();
    let path = file(&dir, "h.txt", b"\n   hello\n");
    let err = format::read(&path, None).unwrap_err();
    assert!(matches!(err, HistoryError::UnknownFormat { .. }));
    assert!(
        err.to_string().contains("(\"hello\")") && err.to_string().contains("--format"),
        "{err}"
    );
}

#[test]
fn missing_file_is_an_io_error_naming_it() {
    let err = format::read(Path::new("/nonexistent/h.jsonl"), None).unwrap_err();
    assert!(matches!(err, HistoryError::Io { .. }));
    assert!(
        err.to_string().starts_with("/nonexistent/h.jsonl: "),
        "{err}"
    );
}

/// (format, input, line:column, rest of the message)
const MALFORMED: &[(Format, &str, &str, &str)] = &[
    (Format::Jsonl, "{\"process\":0,\"type\":\"ok\",\"f\":\"read\"}\n{\"process\":0,\"type\":\"ok\",\"f\":}", "2:30", "expected a JSON value, found `}`"),
    (Format::Jsonl, "\n\n{\"process\":0,\"type\":\"ok\"}", "3:1", "expected a string naming the function as \"f\", found an object without a \"f\" field"),
    (Format::Jsonl, "{\"process\":\"n1\",\"type\":\"ok\",\"f\":\"read\"}", "1:12", "expected a non-negative integer or \"nemesis\" as \"process\", found \"n1\""),
    (Format::Jsonl, "{\"process\":0,\"type\":\"ok\",\"f\":\"read\",\"time\":1.5}", "1:44", "expected an integer (nanoseconds) as \"time\", found 1.5"),
    (Format::Jsonl, "{\"process\":0,\"type\":\"ok\",\"f\":\"read\",\"value\":\"a\u{1}\"}", "1:47", "expected a control character escaped (\\n, \\t, \\u0001, ...) inside a string, found the raw control character U+0001"),
    (Format::Edn, "{:type :ok, :process 0, :f :read}\n{:type :ok, :process 0 :f}", "2:26", "expected a value for the key :f, found `}`"),
    (Format::Edn, "{:type :ok, :process 0, :f :read, :value 0x1F}", "1:42", "expected a number: an integer such as -42 or 42N, or a float such as 1.5, 1e9 or 2.5M, found 0x1F"),
    (Format::Edn, "{:type :ok, :process 0, :f :read, :value \"\\q\"}", "1:43", "expected an escape: \\t \\r \\n \\b \\f \\\\ \\\" or \\uXXXX, found \\q"),
    (Format::Edn, "{:type :ok, :process 0, :f 12}", "1:28", "expected a keyword naming the function as :f, found 12"),
    (Format::Edn, "{:type :ok, :process 0, :f :read, 7 8}", "1:35", "expected a keyword such as :type as an op map key, found 7"),
    (Format::PorcupineEtcd, "INFO  jepsen.util - 0\t:ok\t:read\tnil\nINFO jepsen.util 0\t:ok\t:read\tnil", "2:18", "expected `-`, found 0"),
    (Format::PorcupineEtcd, "INFO  jepsen.util - 0\t:ok\t:cas\t[1 x]", "1:35", "expected an integer, found x"),
    (Format::PorcupineEtcd, "INFO  jepsen.util - 0\t:ok\t:read\t\"3\"", "1:33", "expected `nil`, an integer, `[A B]` or a keyword such as `:timed-out`, found \"3\""),
];

#[test]
fn malformed_inputs_name_file_line_column_and_expectation() {
    let dir = tempfile::tempdir().unwrap();
    for (i, (format, input, at, message)) in MALFORMED.iter().enumerate() {
        let path = file(&dir, &format!("bad{i}"), input.as_bytes());
        assert_eq!(
            read_err(&path, Some(*format)),
            format!("{}:{at}: {message}", path.display()),
            "case {i}"
        );
    }
}

#[test]
fn non_utf8_is_rejected_by_every_reader() {
    for format in Format::ALL {
        let err = format::parse(b"\n\xFF\xFE", format, None).unwrap_err();
        assert_eq!(
            err.to_string(),
            "line 2, column 1: expected UTF-8 text, found byte 0xFF",
            "{format}"
        );
    }
}
