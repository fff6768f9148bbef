//! Unix manners (issue 11, item 5): output to a closed pipe ends quietly, with no panic and no
//! "Broken pipe" message and the status a shell gives a process SIGPIPE ended (141, so that
//! `set -o pipefail` sees the cut and a verdict is never turned into 0), and an error says each
//! cause once and names its path.

use std::io::{BufRead, BufReader, Write};
use std::os::fd::OwnedFd;
use std::process::{Command, Output, Stdio};

use super::{code, splitbrain};

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// `splitbrain ARGS...` with stdin from `input` and stdout a pipe whose reader closed before the
/// program started: its first write fails with `EPIPE` (Rust ignores `SIGPIPE`), every time.
fn with_stdout_closed(args: &[&str], input: &str) -> Output {
    let (reader, writer): (OwnedFd, OwnedFd) = nix::unistd::pipe().expect("pipe");
    drop(reader);
    let mut child = Command::new(env!("CARGO_BIN_EXE_splitbrain"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdin(Stdio::piped())
        .stdout(Stdio::from(writer))
        .stderr(Stdio::piped())
        .spawn()
        .expect("run splitbrain");
    // A node may stop reading (and close stdin) as soon as its stdout is gone.
    let _ = child.stdin.take().unwrap().write_all(input.as_bytes());
    child.wait_with_output().expect("wait for splitbrain")
}

/// 128 + SIGPIPE.
const CLOSED_PIPE: i32 = 141;

fn assert_quiet(args: &[&str], out: &Output, status: i32) {
    let err = stderr(out);
    assert!(
        !err.contains("panicked") && !err.contains("Broken pipe") && !err.contains("os error 32"),
        "splitbrain {args:?} complained about the closed pipe: {err}"
    );
    assert_eq!(code(out), status, "splitbrain {args:?}: {err}");
}

#[test]
fn every_verb_ends_quietly_when_stdout_is_a_closed_pipe() {
    let store = super::report::store_dir(10);
    let store = store.path().to_str().unwrap();
    let valid = "histories/valid/register--sequential-writes-and-reads.jsonl";
    let verbs: &[&[&str]] = &[
        &["model", "check", "raft"],
        &["model", "check", "paxos-register", "--json"],
        &["model", "list"],
        &["model", "list", "--json"],
        &["check", valid],
        &["check", "--json", valid],
        &["gen", "--ops", "100"],
        &["convert", valid, "-"],
        &["report", store],
    ];
    for args in verbs {
        assert_quiet(args, &with_stdout_closed(args, ""), CLOSED_PIPE);
    }
    // clap's own output (help, version) is not a result: it ends with 0 as always.
    for args in [
        &["--help"][..],
        &["model", "check", "--help"],
        &["--version"],
    ] {
        assert_quiet(args, &with_stdout_closed(args, ""), 0);
    }
}

#[test]
fn a_node_whose_stdout_closes_stops_quietly() {
    let init = r#"{"src":"c1","dest":"n1","body":{"type":"init","msg_id":1,"node_id":"n1","node_ids":["n1"]}}"#;
    let args = ["node", "raft"];
    // A node's stdout is its network: when it closes, the node stops as when stdin ends.
    assert_quiet(&args, &with_stdout_closed(&args, &format!("{init}\n")), 0);
}

#[test]
fn a_reader_that_stops_after_one_line_ends_the_output_quietly() {
    // What `splitbrain gen | head -1` does: read a line, close the pipe while the program is
    // still writing (megabytes: far more than a pipe holds).
    let mut child = Command::new(env!("CARGO_BIN_EXE_splitbrain"))
        .args(["gen", "--ops", "200000"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run splitbrain");
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    assert!(first.starts_with('{'), "{first}");
    let out = child.wait_with_output().unwrap();
    assert_quiet(&["gen", "--ops", "200000"], &out, CLOSED_PIPE);
}

/// Asserts that `err` names `path` and says the OS error `os_error` exactly once.
fn assert_said_once(err: &str, path: &str, os_error: &str) {
    assert!(err.contains(path), "the error should name {path}: {err}");
    assert_eq!(
        err.matches(os_error).count(),
        1,
        "the error should say {os_error:?} once: {err}"
    );
}

#[test]
fn a_missing_file_is_named_and_the_os_error_said_once() {
    // Paths under a directory that does not exist, inside a fresh temporary one: nothing a test
    // writes can ever create them.
    let dir = tempfile::tempdir().unwrap();
    let path = |name: &str| dir.path().join("missing").join(name);
    let (history, out_edn, generated, html) = (
        path("history.jsonl"),
        path("out.edn"),
        path("gen.jsonl"),
        path("raft.html"),
    );
    let [history, out_edn, generated, html] =
        [&history, &out_edn, &generated, &html].map(|p| p.to_str().unwrap());
    let valid = "histories/valid/register--sequential-writes-and-reads.jsonl";

    let out = splitbrain(&["check", history]);
    assert_eq!(code(&out), 3);
    assert_said_once(&stderr(&out), history, "(os error 2)");

    let out = splitbrain(&["check", "--json", history]);
    assert_eq!(code(&out), 3);
    assert_said_once(
        &String::from_utf8_lossy(&out.stdout),
        history,
        "(os error 2)",
    );

    // (arguments, the path the error must name)
    let cases: [(&[&str], &str); 4] = [
        (&["convert", history, "-"], history),
        (&["convert", history, out_edn], history),
        (&["convert", valid, out_edn], out_edn),
        (&["gen", "--output", generated], generated),
    ];
    for (args, named) in cases {
        let out = splitbrain(args);
        assert_eq!(code(&out), 3, "{args:?}");
        assert_said_once(&stderr(&out), named, "(os error 2)");
    }

    let out = splitbrain(&["model", "check", "raft", "--html", html]);
    assert_eq!(code(&out), 3);
    assert_said_once(&stderr(&out), html, "(os error 2)");
    assert!(!dir.path().join("missing").exists());
}

#[test]
fn an_unreadable_store_file_is_named_and_the_os_error_said_once() {
    // results.json is a directory: reading it fails with EISDIR, not "missing".
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("results.json")).unwrap();
    let out = splitbrain(&["report", dir.path().to_str().unwrap()]);
    assert_eq!(code(&out), 3);
    let path = dir.path().join("results.json");
    assert_said_once(&stderr(&out), path.to_str().unwrap(), "(os error 21)");
}

#[test]
fn a_data_dir_in_the_way_is_named_and_the_os_error_said_once() {
    // --data-dir names a file, so the node cannot create its directory (EEXIST).
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("not-a-dir");
    std::fs::write(&file, "").unwrap();
    let out = splitbrain(&["node", "raft", "--data-dir", file.to_str().unwrap()]);
    assert_eq!(code(&out), 3);
    assert_said_once(&stderr(&out), file.to_str().unwrap(), "(os error 17)");
}

#[test]
fn a_busy_explorer_address_is_named_and_the_os_error_said_once() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = taken.local_addr().unwrap().to_string();
    let out = splitbrain(&["model", "explore", "raft", "--address", &address]);
    assert_eq!(code(&out), 3);
    assert_said_once(&stderr(&out), &address, "(os error 98)");
}
