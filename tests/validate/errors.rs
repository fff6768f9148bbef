//! Bad stores and bad requests are errors (exit 3) that name the file and line — never a
//! verdict.

use std::process::Command;

use super::validate;

fn validate_text(dir: &std::path::Path, args: &[&str]) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_splitbrain"))
        .arg("validate")
        .arg(dir)
        .args(args)
        .output()
        .expect("run splitbrain validate");
    (
        out.status.code().expect("exited normally"),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

const START: &str = r#"{"start":{"bug":null,"me":"n0","node":"g-counter","nodes":["n0"],"recovered":null,"recovered_hash":null,"seed":1},"m":0,"reply":{"to":"c0","body":{"in_reply_to":1,"type":"init_ok"}},"fx":[{"set":null,"ns":60000000}]}"#;
const MESSAGES: &str = r#"{"time":1,"id":0,"type":"send","from":"c0","message":{"src":"c0","dest":"n0","body":{"type":"init","msg_id":1,"node_id":"n0","node_ids":["n0"]}}}
{"time":2,"id":0,"type":"deliver"}
{"time":3,"id":1,"type":"send","from":"n0","message":{"body":{"in_reply_to":1,"type":"init_ok"},"dest":"c0","src":"n0"}}
"#;

/// A one-node g-counter store: `messages.jsonl` and n0's journal.
fn store(messages: Option<&str>, journal: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("data/n0")).unwrap();
    std::fs::write(dir.path().join("data/n0/journal.jsonl"), journal).unwrap();
    if let Some(m) = messages {
        std::fs::write(dir.path().join("messages.jsonl"), m).unwrap();
    }
    dir
}

#[test]
fn a_well_formed_one_node_store_validates() {
    let dir = store(Some(MESSAGES), &format!("{START}\n"));
    let (code, v, stderr) = validate(dir.path(), &[]);
    assert_eq!(code, 0, "{v:#}\n{stderr}");
}

#[test]
fn a_store_without_messages_jsonl_is_an_error_naming_it() {
    let dir = store(None, &format!("{START}\n"));
    let (code, stderr) = validate_text(dir.path(), &[]);
    assert_eq!(code, 3, "{stderr}");
    assert!(stderr.contains("messages.jsonl: missing"), "{stderr}");
}

#[test]
fn a_store_without_journals_is_an_error_naming_the_first_one() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("messages.jsonl"), MESSAGES).unwrap();
    let (code, stderr) = validate_text(dir.path(), &[]);
    assert_eq!(code, 3, "{stderr}");
    assert!(stderr.contains("n0/journal.jsonl: missing"), "{stderr}");
    assert!(
        stderr.contains("--bin"),
        "says why a --bin run has none: {stderr}"
    );
}

#[test]
fn a_malformed_journal_line_is_an_error_naming_file_and_line() {
    let dir = store(
        Some(MESSAGES),
        &format!("{START}\n{{\"m\":3,\"fx\":[{{\"sned\":1}}]}}\n"),
    );
    let (code, stderr) = validate_text(dir.path(), &[]);
    assert_eq!(code, 3, "{stderr}");
    assert!(stderr.contains("n0/journal.jsonl:2:"), "{stderr}");
}

#[test]
fn a_truncated_router_journal_line_is_an_error_naming_file_and_line() {
    let cut = &MESSAGES[..MESSAGES.len() - 20];
    let dir = store(Some(cut), &format!("{START}\n"));
    let (code, stderr) = validate_text(dir.path(), &[]);
    assert_eq!(code, 3, "{stderr}");
    assert!(stderr.contains("messages.jsonl:3:"), "{stderr}");
}

#[test]
fn an_unknown_variant_to_validate_against_is_an_error_naming_the_known_ones() {
    let dir = store(Some(MESSAGES), &format!("{START}\n"));
    let (code, stderr) = validate_text(dir.path(), &["--against", "nope"]);
    assert_eq!(code, 3, "{stderr}");
    assert!(stderr.contains("sum-merge"), "{stderr}");
}

#[test]
fn a_directory_that_is_not_a_run_is_an_error() {
    let (code, stderr) = validate_text(std::path::Path::new("/nonexistent/run"), &[]);
    assert_eq!(code, 3, "{stderr}");
    assert!(stderr.contains("/nonexistent/run"), "{stderr}");
}

#[test]
fn a_journal_naming_durable_values_by_the_older_64_bit_hash_is_an_error_naming_line_and_format() {
    let dir = store(
        Some(MESSAGES),
        &format!("{START}\n{{\"m\":3,\"persist\":\"9e1f04c2d05b7a31\"}}\n"),
    );
    let (code, stderr) = validate_text(dir.path(), &[]);
    assert_eq!(code, 3, "{stderr}");
    assert!(stderr.contains("n0/journal.jsonl:2:"), "{stderr}");
    assert!(
        stderr.contains("64-bit hash") && stderr.contains("32 hex digits"),
        "{stderr}"
    );
}

#[test]
fn a_recovered_value_its_digest_does_not_name_is_an_error_never_a_verdict() {
    let start = START.replace(
        r#""recovered":null,"recovered_hash":null"#,
        r#""recovered":[3],"recovered_hash":"000000000000000000000000000000ab""#,
    );
    let dir = store(Some(MESSAGES), &format!("{start}\n"));
    let (code, stderr) = validate_text(dir.path(), &[]);
    assert_eq!(code, 3, "{stderr}");
    assert!(
        stderr.contains("n0/journal.jsonl:1:") && stderr.contains("not the digest of"),
        "{stderr}"
    );
}

// The fast readers take a line's embedded JSON values (bodies, timers) without validating them;
// the join proves them valid by its byte comparisons or checks them (`src/validate/lazy.rs`).
// A malformed one is still an error naming its line, wherever it stands.

#[test]
fn a_malformed_body_at_a_compared_position_is_an_error_naming_its_line_not_a_divergence() {
    let dir = store(
        Some(MESSAGES),
        &format!("{START}\n{{\"m\":3,\"fx\":[{{\"send\":\"c0\",\"body\":{{\"a\":}}}}]}}\n"),
    );
    let (code, stderr) = validate_text(dir.path(), &[]);
    assert_eq!(code, 3, "{stderr}");
    assert!(
        stderr.contains("n0/journal.jsonl:2:") && stderr.contains("body {\"a\":}"),
        "{stderr}"
    );
}

#[test]
fn a_malformed_timer_after_the_divergence_is_still_an_error_naming_its_line() {
    let dir = store(
        Some(MESSAGES),
        &format!("{START}\n{{\"m\":3}}\n{{\"timer\":[1,}}}}\n"),
    );
    let (code, stderr) = validate_text(dir.path(), &[]);
    assert_eq!(code, 3, "{stderr}");
    assert!(stderr.contains("n0/journal.jsonl:3:"), "{stderr}");
}

#[test]
fn a_malformed_node_body_in_the_router_journal_is_an_error_naming_its_line() {
    let messages = MESSAGES.replace(
        r#"{"in_reply_to":1,"type":"init_ok"},"dest""#,
        r#"{"in_reply_to":1,"type":},"dest""#,
    );
    assert_ne!(messages, MESSAGES);
    let dir = store(Some(&messages), &format!("{START}\n"));
    let (code, stderr) = validate_text(dir.path(), &[]);
    assert_eq!(code, 3, "{stderr}");
    assert!(stderr.contains("messages.jsonl:3:"), "{stderr}");
}
