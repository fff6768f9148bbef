//! `txn-list-append` and `txn-rw-register`: Maelstrom's transactional workloads, byte for byte.
//!
//! A request is `{"type":"txn","txn":[["r",k,null],["append",k,v],...]}` (`["w",k,v]` for
//! rw-register); the reply is `{"type":"txn_ok","txn":[...]}`, the same micro-ops with reads
//! filled in: a list (list-append) or a single value (rw-register), `null` for a key never
//! written. The history records `f` = `txn` and the micro-ops with string names, so
//! `splitbrain check history.jsonl` checks it with the transactional checker.
//!
//! Generator: Elle's (`generate/txn/keys.rs`), with Maelstrom's defaults: `--key-count` 10 keys
//! active at a time, each twice as likely as the next; 1 to `--max-txn-length` (4) micro-ops,
//! reads and writes 50/50; write values 1, 2, 3, ... per key, and a key retired for a fresh one
//! after `--max-writes-per-key` (16) writes.
//!
//! Client (Maelstrom's `with-errors op #{}`): no function is idempotent, so a timeout or an
//! indefinite error leaves the transaction `info`; a definite error (`txn-conflict`, 30, and the
//! other definite codes) fails it. A reply whose micro-ops do not match the request's (count,
//! functions, keys, written values) is malformed: `info`, as Maelstrom's schema check makes it.
//!
//! Checker: the transactional checker (Elle-class) against `--consistency-models` (default
//! strict-serializable, Maelstrom's). For rw-register it infers more than Maelstrom's wfr-only
//! Elle configuration, so it can find anomalies Maelstrom misses (a G0 under read-uncommitted,
//! maelstrom#56); every anomaly it reports holds in every interpretation of the history.

use rand_chacha::ChaCha8Rng;
use serde_json::{json, Value as Json};

use super::{field, Context, Invocation, Workload, WorkloadCheck};
use crate::checker::transactional::{self, ConsistencyModel, TxnOptions, TxnReport};
use crate::checker::{CheckError, Verdict};
use crate::generate::{KeyDist, KeyPool};
use crate::history::{History, Value};
use crate::runner::json::{to_json, to_value};

pub use crate::checker::transactional::Workload as TxnKind;

/// Maelstrom's defaults for the transactional workloads.
pub const DEFAULT_KEY_COUNT: usize = 10;
/// Most micro-ops in a transaction (Maelstrom's `--max-txn-length` default).
pub const DEFAULT_MAX_TXN_LENGTH: usize = 4;
/// Writes a key gets before it retires (Maelstrom's `--max-writes-per-key` default).
pub const DEFAULT_MAX_WRITES_PER_KEY: usize = 16;

/// The settings of a transactional workload.
#[derive(Clone, Debug, PartialEq)]
pub struct TxnSettings {
    /// Keys active at a time.
    pub key_count: usize,
    /// Most micro-ops per transaction (at least 1).
    pub max_txn_length: usize,
    /// Writes per key before a fresh key takes its place (at least 1).
    pub max_writes_per_key: usize,
    /// The models the history must satisfy.
    pub consistency_models: Vec<ConsistencyModel>,
}

impl Default for TxnSettings {
    fn default() -> TxnSettings {
        TxnSettings {
            key_count: DEFAULT_KEY_COUNT,
            max_txn_length: DEFAULT_MAX_TXN_LENGTH,
            max_writes_per_key: DEFAULT_MAX_WRITES_PER_KEY,
            consistency_models: vec![ConsistencyModel::StrictSerializable],
        }
    }
}

/// A transactional workload: list-append or rw-register.
#[derive(Debug)]
pub(super) struct Txn {
    kind: TxnKind,
    keys: KeyPool,
    settings: TxnSettings,
}

impl Txn {
    pub(super) fn new(kind: TxnKind, settings: TxnSettings) -> Txn {
        Txn {
            kind,
            keys: KeyPool::new(
                settings.key_count.max(1),
                settings.max_writes_per_key.max(1),
                KeyDist::Exponential,
            ),
            settings,
        }
    }

    /// The name of a write micro-op.
    fn write_name(&self) -> &'static str {
        match self.kind {
            TxnKind::ListAppend => "append",
            TxnKind::RwRegister => "w",
        }
    }

    /// Why the reply's micro-ops are not the request's with reads filled in, if they are not.
    fn mismatch(&self, asked: &[Value], got: &Json) -> Option<String> {
        let Some(got) = got.as_array() else {
            return Some(format!("\"txn\" should be an array, found {got}"));
        };
        if got.len() != asked.len() {
            return Some(format!(
                "the request had {} micro-ops, the reply {}",
                asked.len(),
                got.len()
            ));
        }
        for (i, (a, g)) in asked.iter().zip(got).enumerate() {
            let a = a.as_list().unwrap_or(&[]);
            let g_parts = g.as_array().map(Vec::as_slice).unwrap_or(&[]);
            let same_fk = g_parts.len() == 3
                && a.len() == 3
                && g_parts[0].as_str() == a[0].as_text()
                && to_value(&g_parts[1]) == a[1];
            let write_kept = a[0].as_text() == Some("r") || to_value(&g_parts[2]) == a[2];
            let read_shape = a[0].as_text() != Some("r")
                || self.kind != TxnKind::ListAppend
                || g_parts[2].is_null()
                || g_parts[2].is_array();
            if !(same_fk && write_kept && read_shape) {
                return Some(format!(
                    "micro-op {i} should answer {} but is {g}",
                    to_json(&Value::list(a.to_vec()))
                ));
            }
        }
        None
    }
}

impl Workload for Txn {
    fn next(&mut self, _ctx: &Context, rng: &mut ChaCha8Rng) -> Option<Invocation> {
        let mops = self.keys.txn(rng, 1, self.settings.max_txn_length.max(1));
        let write = self.write_name();
        let value = mops
            .iter()
            .map(|m| {
                let key = Value::Int(i64::try_from(m.key).unwrap_or(i64::MAX));
                if m.write {
                    Value::list(vec![Value::str(write), key, Value::Int(m.value)])
                } else {
                    Value::list(vec![Value::str("r"), key, Value::Nil])
                }
            })
            .collect::<Vec<_>>();
        Some(Invocation::new("txn", Value::list(value)))
    }

    fn request(&self, op: &Invocation) -> Json {
        json!({"type": "txn", "txn": to_json(&op.value)})
    }

    fn ok_value(&self, op: &Invocation, body: &Json) -> Result<Value, String> {
        let txn = field(body, "txn")?;
        if let Some(why) = self.mismatch(op.value.as_list().unwrap_or(&[]), txn) {
            return Err(why);
        }
        Ok(to_value(txn))
    }

    fn is_idempotent(&self, _f: &str) -> bool {
        false
    }

    fn check(&self, history: &History, _complete: bool) -> Result<WorkloadCheck, CheckError> {
        let mut options = TxnOptions::with_models(&self.settings.consistency_models);
        options.workload = Some(self.kind);
        let report = transactional::check(history, &options)?;
        Ok(WorkloadCheck {
            verdict: report.verdict,
            summary: summary(&report),
            details: serde_json::to_value(&report).unwrap_or(Json::Null),
        })
    }
}

/// One line: the verdict's reason, the anomalies and the models they rule out.
fn summary(report: &TxnReport) -> String {
    let models = names(report.consistency_models.iter().map(|m| m.name()));
    let txns = report.stats.txns;
    match report.verdict {
        Verdict::Valid => format!("{txns} transactions, no anomaly {models} forbids"),
        Verdict::Invalid => format!(
            "anomalies {}; not {}{}",
            names(report.anomaly_types.iter().map(|a| a.name())),
            names(report.not.iter().map(|m| m.name())),
            match report.also_not.len() {
                0 => String::new(),
                n => format!(" (nor {n} stronger models: results.json `also_not`)"),
            }
        ),
        Verdict::Unknown => format!(
            "unknown: {}",
            report
                .reason
                .as_deref()
                .unwrap_or("the check could not decide")
        ),
    }
}

fn names<'a>(names: impl Iterator<Item = &'a str>) -> String {
    names.collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;

    use super::*;
    use crate::runner::workload::{timeout_completion, Completion};

    fn ctx() -> Context {
        Context {
            process: 0,
            node: 0,
            worker: 0,
        }
    }

    #[test]
    fn requests_are_maelstrom_txn_bodies_with_null_reads() {
        let mut w = Txn::new(TxnKind::ListAppend, TxnSettings::default());
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        for _ in 0..50 {
            let op = w.next(&ctx(), &mut rng).unwrap();
            let body = w.request(&op);
            assert_eq!(body["type"], "txn");
            let mops = body["txn"].as_array().unwrap();
            assert!((1..=4).contains(&mops.len()), "{body}");
            for m in mops {
                let m = m.as_array().unwrap();
                match m[0].as_str().unwrap() {
                    "r" => assert!(m[2].is_null()),
                    "append" => assert!(m[2].as_i64().unwrap() >= 1),
                    other => panic!("{other}"),
                }
            }
        }
    }

    #[test]
    fn rw_register_writes_are_w_and_unique_per_key() {
        let mut w = Txn::new(TxnKind::RwRegister, TxnSettings::default());
        let mut rng = ChaCha8Rng::seed_from_u64(4);
        let mut seen = std::collections::HashSet::new();
        for _ in 0..200 {
            let op = w.next(&ctx(), &mut rng).unwrap();
            for m in w.request(&op)["txn"].as_array().unwrap() {
                if m[0] == "w" {
                    assert!(seen.insert((m[1].clone(), m[2].clone())), "{m}");
                }
            }
        }
        assert!(!seen.is_empty());
    }

    #[test]
    fn a_conflict_fails_a_timeout_is_info_and_a_mismatched_reply_is_malformed() {
        let w = Txn::new(TxnKind::ListAppend, TxnSettings::default());
        let txn = Value::list(vec![
            Value::list(vec![Value::str("append"), Value::Int(1), Value::Int(5)]),
            Value::list(vec![Value::str("r"), Value::Int(1), Value::Nil]),
        ]);
        let op = Invocation::new("txn", txn);
        let conflict = json!({"type": "error", "code": 30, "text": "conflict"});
        assert!(matches!(
            w.complete(&op, "txn", &conflict),
            Completion::Fail(_)
        ));
        assert!(matches!(timeout_completion(&w, &op), Completion::Info(_)));
        let crash = json!({"type": "error", "code": 13});
        assert!(matches!(
            w.complete(&op, "txn", &crash),
            Completion::Info(_)
        ));
        let ok = json!({"type": "txn_ok", "txn": [["append", 1, 5], ["r", 1, [5]]]});
        match w.complete(&op, "txn", &ok) {
            Completion::Ok(v) => assert_eq!(to_json(&v), ok["txn"]),
            other => panic!("{other:?}"),
        }
        let wrong = json!({"type": "txn_ok", "txn": [["append", 1, 6], ["r", 1, [6]]]});
        match w.complete(&op, "txn", &wrong) {
            Completion::Info(e) => assert!(e.to_string().contains("malformed"), "{e}"),
            other => panic!("{other:?}"),
        }
        let scalar = json!({"type": "txn_ok", "txn": [["append", 1, 5], ["r", 1, 5]]});
        assert!(matches!(
            w.complete(&op, "txn", &scalar),
            Completion::Info(_)
        ));
    }
}
