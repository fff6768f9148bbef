//! Hand-written bank histories, in Jepsen's EDN and in JSON lines, and the claims about each.

use super::*;
use crate::history::format::{parse, Format};

fn edn(text: &str) -> BankReport {
    let history = parse(text.as_bytes(), Format::Edn, None).unwrap();
    check(&history, &BankOptions::default()).unwrap()
}

fn edn_with_total(text: &str, total: i64) -> BankReport {
    let history = parse(text.as_bytes(), Format::Edn, None).unwrap();
    let options = BankOptions {
        total: Some(total),
        ..BankOptions::default()
    };
    check(&history, &options).unwrap()
}

const ATOMIC: &str = r#"
{:process 0, :type :invoke, :f :transfer, :value {:from 0, :to 1, :amount 5}}
{:process 1, :type :invoke, :f :read, :value nil}
{:process 0, :type :ok, :f :transfer, :value {:from 0, :to 1, :amount 5}}
{:process 1, :type :ok, :f :read, :value {0 5, 1 15}}
{:process 0, :type :invoke, :f :transfer, :value {:from 1, :to 0, :amount 20}}
{:process 0, :type :fail, :f :transfer, :value {:from 1, :to 0, :amount 20}}
{:process 1, :type :invoke, :f :read, :value nil}
{:process 1, :type :ok, :f :read, :value {0 5, 1 15}}
"#;

#[test]
fn reads_that_sum_to_the_total_while_transfers_run_are_valid() {
    let r = edn_with_total(ATOMIC, 20);
    assert_eq!(r.verdict, Verdict::Valid, "{r:?}");
    assert_eq!(r.stats.reads_ok, 2);
    assert_eq!(
        (r.stats.transfers_ok, r.stats.transfers_fail),
        (1, 1),
        "{r:?}"
    );
    assert!(r.cases.is_empty());
}

#[test]
fn a_read_seeing_the_debit_but_not_the_credit_is_a_wrong_total_naming_the_transfer() {
    let r = edn_with_total(
        r#"
{:process 0, :type :invoke, :f :transfer, :value {:from 0, :to 1, :amount 5}}
{:process 1, :type :invoke, :f :read, :value nil}
{:process 1, :type :ok, :f :read, :value {0 5, 1 10}}
{:process 0, :type :info, :f :transfer, :value {:from 0, :to 1, :amount 5}}
"#,
        20,
    );
    assert_eq!(r.verdict, Verdict::Invalid);
    assert_eq!(r.count(BankError::WrongTotal), 1);
    let case = &r.cases[0];
    assert!(
        case.text.contains("sum to 15, 5 less than the total 20"),
        "{}",
        case.text
    );
    assert!(
        case.text.contains("a debit without its credit"),
        "{}",
        case.text
    );
    assert_eq!(case.read.lines, "lines 3–4");
    assert_eq!(case.transfers.len(), 1);
    assert_eq!(case.transfers[0].outcome, "info");
    assert_eq!(case.transfers[0].lines, "lines 2–5");
}

#[test]
fn a_failed_transfer_seen_in_part_is_named_as_one_that_should_have_had_no_effect() {
    let r = edn_with_total(
        r#"
{:process 0, :type :invoke, :f :transfer, :value {:from 0, :to 1, :amount 3}}
{:process 0, :type :fail, :f :transfer, :value {:from 0, :to 1, :amount 3}}
{:process 1, :type :invoke, :f :read, :value nil}
{:process 1, :type :ok, :f :read, :value {0 10, 1 13}}
"#,
        20,
    );
    assert_eq!(r.verdict, Verdict::Invalid);
    let case = &r.cases[0];
    assert!(
        case.text.contains("a credit without its debit"),
        "{}",
        case.text
    );
    assert!(
        case.transfers[0].note.contains("no effect"),
        "{:?}",
        case.transfers
    );
}

#[test]
fn without_a_total_the_sum_most_reads_agree_on_is_the_total() {
    let r = edn(r#"
{:process 1, :type :invoke, :f :read, :value nil}
{:process 1, :type :ok, :f :read, :value {0 10, 1 10}}
{:process 1, :type :invoke, :f :read, :value nil}
{:process 1, :type :ok, :f :read, :value {0 12, 1 8}}
{:process 1, :type :invoke, :f :read, :value nil}
{:process 1, :type :ok, :f :read, :value {0 12, 1 10}}
"#);
    assert_eq!(r.verdict, Verdict::Invalid);
    assert_eq!((r.total, r.total_source), (Some(20), TotalSource::Inferred));
    assert_eq!(r.count(BankError::WrongTotal), 1);
    assert_eq!(r.cases[0].read.lines, "lines 6–7");
    assert!(
        r.cases[0].text.contains("no single transfer"),
        "{}",
        r.cases[0].text
    );
}

#[test]
fn a_negative_balance_is_invalid_unless_overdrafts_are_allowed() {
    let text = r#"
{:process 1, :type :invoke, :f :read, :value nil}
{:process 1, :type :ok, :f :read, :value {0 -2, 1 22}}
"#;
    let r = edn_with_total(text, 20);
    assert_eq!(r.verdict, Verdict::Invalid);
    assert_eq!(r.count(BankError::NegativeValue), 1);
    assert_eq!(r.count(BankError::WrongTotal), 0);
    let history = parse(text.as_bytes(), Format::Edn, None).unwrap();
    let allowed = BankOptions {
        total: Some(20),
        negative_balances: true,
        ..BankOptions::default()
    };
    assert_eq!(check(&history, &allowed).unwrap().verdict, Verdict::Valid);
}

#[test]
fn a_read_missing_an_account_or_with_a_nil_balance_is_invalid() {
    let r = edn_with_total(
        r#"
{:process 1, :type :invoke, :f :read, :value nil}
{:process 1, :type :ok, :f :read, :value {0 10, 1 10}}
{:process 1, :type :invoke, :f :read, :value nil}
{:process 1, :type :ok, :f :read, :value {0 20}}
{:process 1, :type :invoke, :f :read, :value nil}
{:process 1, :type :ok, :f :read, :value {0 20, 1 nil}}
"#,
        20,
    );
    assert_eq!(r.verdict, Verdict::Invalid);
    assert_eq!(r.count(BankError::MissingAccount), 1);
    assert_eq!(r.count(BankError::NilBalance), 1);
    assert_eq!(r.count(BankError::WrongTotal), 0, "{:?}", r.cases);
}

#[test]
fn json_lines_with_string_account_keys_read_like_edn() {
    let text = r#"{"process":0,"type":"invoke","f":"transfer","value":{"from":0,"to":1,"amount":5}}
{"process":0,"type":"ok","f":"transfer","value":{"from":0,"to":1,"amount":5}}
{"process":1,"type":"invoke","f":"read","value":null}
{"process":1,"type":"ok","f":"read","value":{"0":5,"1":15}}
{"process":1,"type":"invoke","f":"read","value":null}
{"process":1,"type":"ok","f":"read","value":{"0":5,"1":14}}
"#;
    let history = parse(text.as_bytes(), Format::Jsonl, None).unwrap();
    let options = BankOptions {
        total: Some(20),
        ..BankOptions::default()
    };
    let r = check(&history, &options).unwrap();
    assert_eq!(r.verdict, Verdict::Invalid);
    assert_eq!(r.stats.accounts, 2);
    assert_eq!(r.count(BankError::WrongTotal), 1);
    assert_eq!(r.cases[0].read.lines, "lines 5–6");
}

#[test]
fn no_completed_read_is_unknown_not_valid() {
    let r = edn_with_total(
        r#"
{:process 0, :type :invoke, :f :transfer, :value {:from 0, :to 1, :amount 5}}
{:process 0, :type :ok, :f :transfer, :value {:from 0, :to 1, :amount 5}}
{:process 1, :type :invoke, :f :read, :value nil}
{:process 1, :type :fail, :f :read, :value nil}
"#,
        20,
    );
    assert_eq!(r.verdict, Verdict::Unknown);
}

#[test]
fn a_transfer_without_an_amount_is_an_error_naming_its_line() {
    let text = r#"
{:process 0, :type :invoke, :f :transfer, :value {:from 0, :to 1}}
{:process 0, :type :ok, :f :transfer, :value {:from 0, :to 1}}
"#;
    let history = parse(text.as_bytes(), Format::Edn, None).unwrap();
    let e = check(&history, &BankOptions::default())
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("line 2") && e.contains("{from, to, amount}"),
        "{e}"
    );
}

/// `history.jsonl` in a fresh directory holding `text`.
fn file(text: &str) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("history.jsonl");
    std::fs::write(&path, text).unwrap();
    (dir, path)
}

#[test]
fn a_transfer_far_into_the_file_or_cut_by_a_read_boundary_makes_it_bank() {
    let read = r#"{"process":0,"type":"invoke","f":"read","value":null}"#;
    let transfer =
        r#"{"process":1,"type":"invoke","f":"transfer","value":{"from":0,"to":1,"amount":5}}"#;
    // Lines of reads until "transfer" straddles the first megabyte (read in 1 MiB chunks).
    let mut text = String::new();
    while text.len() + read.len() + 1 < (1 << 20) - 40 {
        text.push_str(read);
        text.push('\n');
    }
    let word_at = transfer.find("transfer").unwrap();
    text.push_str(&" ".repeat((1 << 20) - 4 - word_at - text.len()));
    text.push_str(transfer);
    assert_eq!(&text[(1 << 20) - 4..(1 << 20) + 4], "transfer");
    let (_dir, path) = file(&text);
    assert!(file_is_bank(&path, None).unwrap());
}

#[test]
fn a_transfer_spelled_with_an_escape_still_makes_it_bank() {
    let (_dir, path) = file(
        r#"{"process":1,"type":"invoke","f":"\u0074ransfer","value":{"from":0,"to":1,"amount":5}}"#,
    );
    assert!(file_is_bank(&path, None).unwrap());
}

#[test]
fn a_register_history_is_not_bank_and_its_errors_are_left_to_its_reader() {
    let (_dir, path) = file(concat!(
        r#"{"process":0,"type":"invoke","f":"read","value":null}"#,
        "\nnot json\n"
    ));
    assert!(!file_is_bank(&path, None).unwrap());
    let (_dir, missing) = file("");
    let gone = missing.with_file_name("gone.jsonl");
    assert!(matches!(
        file_is_bank(&gone, None),
        Err(HistoryError::Io { .. })
    ));
}
