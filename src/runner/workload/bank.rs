//! `bank`: Jepsen's bank workload against `splitbrain node two-phase-commit`: transfers between
//! accounts and reads of every balance, all sent to the coordinator `n0`.
//!
//! Requests: `{"type":"transfer","from":a,"to":b,"amount":x}` → `transfer_ok`;
//! `{"type":"read"}` → `read_ok` with `value` `{"0": balance, ...}`. An aborted transaction is
//! the definite error `txn-conflict` (30): the operation failed.
//!
//! Generator (`jepsen.tests.bank`): half reads, half transfers between two different random
//! accounts of an amount from 1 to 5; accounts `0 … 7`, each opening at 10 (the deployed
//! bank's, `two_phase_commit::DEPLOYED_ACCOUNTS` and `DEPLOYED_BALANCE`: the total is 80).
//! Overdrafts are refused, so no balance may go negative. After the faults heal, two final
//! reads.
//!
//! History: `transfer` with value `{"from":a,"to":b,"amount":x}`; `read` with the balances.
//! Checker: `checker::bank`, with the total and the accounts known.

use rand::Rng;
use rand_chacha::ChaCha8Rng;
use serde_json::{json, Value as Json};
use splitbrain_models::two_phase_commit::{DEPLOYED_ACCOUNTS, DEPLOYED_BALANCE};

use super::{field, Context, Invocation, Workload, WorkloadCheck};
use crate::checker::bank::{self, BankOptions};
use crate::checker::CheckError;
use crate::history::{History, Value};
use crate::runner::json::to_value;

/// The largest transfer (Jepsen's `:max-transfer`).
const MAX_TRANSFER: i64 = 5;

/// The bank workload.
#[derive(Debug, Default)]
pub(super) struct Bank;

impl Bank {
    /// What the checker knows: the total, the accounts, no overdrafts.
    fn options() -> BankOptions {
        BankOptions {
            total: Some(DEPLOYED_BALANCE * DEPLOYED_ACCOUNTS as i64),
            accounts: Some((0..DEPLOYED_ACCOUNTS as i64).collect()),
            negative_balances: false,
        }
    }
}

/// A transfer's value: `{"from": a, "to": b, "amount": x}`.
fn transfer_value(from: i64, to: i64, amount: i64) -> Value {
    Value::Map(
        vec![
            (Value::str("from"), Value::Int(from)),
            (Value::str("to"), Value::Int(to)),
            (Value::str("amount"), Value::Int(amount)),
        ]
        .into_boxed_slice(),
    )
}

fn read() -> Invocation {
    Invocation::new("read", Value::Nil)
}

impl Workload for Bank {
    fn next(&mut self, _ctx: &Context, rng: &mut ChaCha8Rng) -> Option<Invocation> {
        if rng.gen_bool(0.5) {
            return Some(read());
        }
        let accounts = DEPLOYED_ACCOUNTS as i64;
        let from = rng.gen_range(0..accounts);
        let to = (from + rng.gen_range(1..accounts)) % accounts;
        let amount = rng.gen_range(1..=MAX_TRANSFER);
        Some(Invocation::new(
            "transfer",
            transfer_value(from, to, amount),
        ))
    }

    fn final_ops(&mut self, _node_count: usize) -> Vec<(usize, Invocation)> {
        (0..2)
            .map(|_| {
                let mut op = read();
                op.final_read = true;
                (0, op)
            })
            .collect()
    }

    /// Every request goes to the coordinator.
    fn target(&self, _op: &Invocation, _default: usize) -> usize {
        0
    }

    fn request(&self, op: &Invocation) -> Json {
        match op.f {
            "transfer" => {
                let get = |name: &str| match &op.value {
                    Value::Map(entries) => entries
                        .iter()
                        .find(|(k, _)| k.as_text() == Some(name))
                        .and_then(|(_, v)| v.as_int()),
                    _ => None,
                };
                json!({"type": "transfer", "from": get("from"), "to": get("to"),
                       "amount": get("amount")})
            }
            _ => json!({"type": "read"}),
        }
    }

    fn ok_value(&self, op: &Invocation, body: &Json) -> Result<Value, String> {
        match op.f {
            "read" => {
                let value = field(body, "value")?;
                if !value.is_object() {
                    return Err(format!("\"value\" should map accounts to balances: {body}"));
                }
                Ok(to_value(value))
            }
            _ => Ok(op.value.clone()),
        }
    }

    fn is_idempotent(&self, f: &str) -> bool {
        f == "read"
    }

    fn check(&self, history: &History, _complete: bool) -> Result<WorkloadCheck, CheckError> {
        let report = bank::check(history, &Bank::options())?;
        let mut summary = report.summary();
        if let Some(case) = report.cases.first() {
            summary.push_str(&format!(
                "; first: {} at {}: {}",
                case.error.name(),
                case.read.lines,
                case.text
            ));
        }
        Ok(WorkloadCheck {
            verdict: report.verdict,
            summary,
            details: serde_json::to_value(&report).unwrap_or(Json::Null),
        })
    }
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;

    use super::*;

    #[test]
    fn transfers_move_between_two_different_accounts_and_go_to_the_coordinator() {
        let mut bank = Bank;
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        let ctx = Context {
            process: 0,
            node: 2,
            worker: 0,
        };
        let mut transfers = 0;
        for _ in 0..200 {
            let op = bank.next(&ctx, &mut rng).unwrap();
            assert_eq!(bank.target(&op, 2), 0);
            if op.f == "transfer" {
                transfers += 1;
                let body = bank.request(&op);
                let (from, to) = (body["from"].as_i64().unwrap(), body["to"].as_i64().unwrap());
                assert_ne!(from, to, "{body}");
                assert!((1..=MAX_TRANSFER).contains(&body["amount"].as_i64().unwrap()));
            }
        }
        assert!((60..140).contains(&transfers), "{transfers}");
    }
}
