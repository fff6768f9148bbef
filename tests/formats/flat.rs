//! The flat register formats (Plume's `r(k,v,s,t)` lines, AWDIT's `test` format): detection,
//! round trips through the native format, and the same complete verdicts in every format.

use splitbrain::checker::transactional::isolation::Level;
use splitbrain::checker::transactional::{check, ConsistencyModel, Transactions, TxnOptions};
use splitbrain::generate::{generate_txn, SimDb, TxnOptions as GenOptions, TxnWorkload};
use splitbrain::history::{format, Format, History};

fn write(h: &History, f: Format) -> Vec<u8> {
    let mut out = Vec::new();
    format::write(h, f, &mut out).unwrap();
    out
}

fn verdicts(h: &History) -> Vec<(Level, splitbrain::checker::Verdict)> {
    let models = [
        ConsistencyModel::ReadCommitted,
        ConsistencyModel::ReadAtomic,
        ConsistencyModel::Causal,
    ];
    let r = check(h, &TxnOptions::with_models(&models)).unwrap();
    r.isolation.iter().map(|i| (i.level, i.verdict)).collect()
}

#[test]
fn plume_and_awdit_files_are_detected() {
    assert_eq!(
        Format::detect(b"r(1,0,0,0)\nw(1,2,0,0)\n"),
        Some(Format::Plume)
    );
    assert_eq!(
        Format::detect(b"w 0 0\nw 1 0\n=====\nr 0 0\n"),
        Some(Format::Awdit)
    );
    assert_eq!(Format::detect(b"=====\n"), Some(Format::Awdit));
}

#[test]
fn a_plume_read_of_zero_is_a_read_of_the_initial_state_and_txn_minus_one_aborted() {
    let h = format::parse(
        b"w(0,5,1,-1)\nr(0,0,2,7)\nw(0,3,2,7)\n",
        Format::Plume,
        None,
    )
    .unwrap();
    let jsonl = String::from_utf8(write(&h, Format::Jsonl)).unwrap();
    assert!(
        jsonl.contains(r#""type":"fail","f":"txn","value":[["w",0,5]]"#),
        "{jsonl}"
    );
    assert!(
        jsonl.contains(r#""type":"ok","f":"txn","value":[["r",0,null],["w",0,3]]"#),
        "{jsonl}"
    );
}

#[test]
fn the_awdit_initial_session_becomes_the_initial_state() {
    let h = format::parse(
        b"w 0 1\n=====\nr 0 0\nr 0 1\n=====\nw 0 0\n",
        Format::Awdit,
        None,
    )
    .unwrap();
    let jsonl = String::from_utf8(write(&h, Format::Jsonl)).unwrap();
    assert_eq!(jsonl.lines().count(), 4, "{jsonl}");
    assert!(jsonl.contains(r#"[["r",0,null],["r",0,1]]"#), "{jsonl}");
    let back = String::from_utf8(write(&h, Format::Awdit)).unwrap();
    assert!(back.ends_with("=====\nw 0 0\n"), "{back}");
}

#[test]
fn generated_register_histories_keep_their_complete_verdicts_through_both_formats() {
    for db in SimDb::ALL {
        let options = GenOptions {
            workload: TxnWorkload::RwRegister,
            db,
            txns: 300,
            concurrency: 5,
            seed: 3,
            ..GenOptions::default()
        };
        let h = generate_txn(&options).unwrap();
        let expected = verdicts(&h);
        for f in [Format::Plume, Format::Awdit] {
            let text = write(&h, f);
            let back = format::parse(&text, f, None).unwrap();
            assert_eq!(verdicts(&back), expected, "{} through {f}", db.name());
            let again = format::parse(&write(&back, f), f, None).unwrap();
            assert!(
                write(&again, f) == write(&back, f),
                "{} {f}: a second round trip changes the file",
                db.name()
            );
        }
    }
}

#[test]
fn flat_files_read_whole_give_the_verdicts_and_witnesses_of_their_events() {
    let dir = tempfile::tempdir().unwrap();
    for db in SimDb::ALL {
        let options = GenOptions {
            workload: TxnWorkload::RwRegister,
            db,
            txns: 300,
            concurrency: 5,
            seed: 4,
            ..GenOptions::default()
        };
        let h = generate_txn(&options).unwrap();
        for f in [Format::Plume, Format::Awdit] {
            let path = dir.path().join(format!("{}.{f}", db.name()));
            std::fs::write(&path, write(&h, f)).unwrap();
            // As events (the history parsed back), and whole from the file.
            let back = format::read(&path, Some(f)).unwrap().1;
            let events = Transactions::from_history(&back, None, Some(path.as_path().into()));
            let (read_as, whole) = Transactions::read(&path, None, None).unwrap();
            assert_eq!(read_as, f);
            let events = events.unwrap();
            assert_eq!(whole.len(), events.len(), "{} {f}", db.name());
            for level in Level::ALL {
                let (a, b) = (whole.isolation(level, None), events.isolation(level, None));
                let what = format!("{} {f} {level}", db.name());
                assert_eq!(a.verdict, b.verdict, "{what}");
                assert_eq!(a.txns, b.txns, "{what}");
                assert_eq!(a.explanation, b.explanation, "{what}");
            }
        }
    }
}

#[test]
fn list_append_histories_have_no_flat_form() {
    let h = generate_txn(&GenOptions::default()).unwrap();
    let err = format::write(&h, Format::Plume, &mut Vec::new()).unwrap_err();
    assert!(err.to_string().contains("registers only"), "{err}");
}
