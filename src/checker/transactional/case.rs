//! [`Case`]: one instance of an anomaly, as data. Transactions are named by their number
//! ([`TxnId`]: position in invocation order); [`TxnReport::txns`](super::TxnReport) describes
//! each one a case names (process, history lines, micro-ops).

use serde::Serialize;

use super::anomaly::Anomaly;
use super::models::ConsistencyModel;
use crate::history::Value;

/// A transaction's number: its position among the history's transactions, in invocation order.
pub type TxnId = u32;

/// One instance of an anomaly.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "case", rename_all = "kebab-case")]
pub enum Case {
    /// A dependency cycle (G0, G1c, G-single, ...).
    Cycle(CycleCase),
    /// G1a (the writer failed), G1b (an intermediate write), garbage-read (no writer): a read of
    /// a version it should not have seen.
    Read {
        /// The reading transaction.
        reader: TxnId,
        /// Index of the read among its micro-ops (0-based).
        mop: usize,
        /// The key.
        key: Value,
        /// What it read (the whole list for list-append).
        read: Value,
        /// The offending element or value.
        element: Value,
        /// The transaction that wrote it, if any did.
        writer: Option<TxnId>,
    },
    /// A read that disagrees with the transaction's own earlier reads and writes (`internal`),
    /// or misses a write the transaction made before it (`lost-own-write`).
    Internal {
        /// The transaction.
        txn: TxnId,
        /// Index of the read.
        mop: usize,
        /// The key.
        key: Value,
        /// What it read.
        read: Value,
        /// What its own earlier micro-ops imply (`[... 3]`: unknown prefix, then 3).
        expected: String,
    },
    /// A read that shows an element the same transaction appends only later.
    FutureRead {
        /// The transaction.
        txn: TxnId,
        /// Index of the read.
        mop: usize,
        /// The key.
        key: Value,
        /// What it read.
        read: Value,
        /// The element it appends later.
        element: Value,
    },
    /// A committed append follows a failed one in a key's version order.
    DirtyUpdate {
        /// The key.
        key: Value,
        /// The elements from the failed append to the committed one, in version order.
        values: Vec<Value>,
        /// The failed transaction, then the committed one.
        txns: Vec<TxnId>,
    },
    /// A read returned the same element more than once.
    DuplicateElements {
        /// The reading transaction.
        txn: TxnId,
        /// Index of the read.
        mop: usize,
        /// The key.
        key: Value,
        /// What it read.
        read: Value,
        /// Each repeated element and how many times it appears.
        duplicates: Vec<(Value, usize)>,
    },
    /// Two reads of a key where neither is a prefix of the other.
    IncompatibleOrder {
        /// The key.
        key: Value,
        /// The two reads, shorter first.
        values: [Value; 2],
        /// The transaction whose read disagrees with the longest read of the key.
        txn: TxnId,
        /// Index of that read.
        mop: usize,
    },
    /// A read that shows a transaction's appends out of the order it made them, or a later one
    /// without an earlier one: no order of appends gives that list.
    AppendOrder {
        /// The key.
        key: Value,
        /// The reading transaction.
        txn: TxnId,
        /// Index of its read.
        mop: usize,
        /// What it read.
        read: Value,
        /// The transaction whose appends it misorders.
        writer: TxnId,
        /// That transaction's appends to the key, in the order it made them.
        appends: Value,
    },
    /// Committed transactions that read the same version of a key and then both wrote it.
    LostUpdate {
        /// The key.
        key: Value,
        /// The version they all read.
        value: Value,
        /// The transactions.
        txns: Vec<TxnId>,
    },
    /// The inferred version order of a key is cyclic.
    CyclicVersions {
        /// The key.
        key: Value,
        /// The versions on the cycle (a strongly connected component of the version graph).
        versions: Vec<Value>,
        /// The inference sources whose union made it cyclic (the last one was then dropped).
        sources: Vec<String>,
    },
    /// A cycle exists in the part of the graph a model forbids cycles in, shown by a witness
    /// cycle, but the search for a named cycle type did not finish.
    CycleExists {
        /// The model whose cycle condition is violated.
        model: ConsistencyModel,
        /// Transactions in the strongly connected component.
        scc_size: usize,
        /// A cycle in that part of the graph.
        cycle: CycleCase,
    },
    /// The search for a cycle type ran out of work before deciding.
    SearchIncomplete {
        /// The cycle type.
        anomaly: Anomaly,
        /// Transactions in the strongly connected component searched.
        scc_size: usize,
    },
}

/// A dependency cycle: `txns[0] → txns[1] → ... → txns[0]`, one [`Step`] per arrow.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CycleCase {
    /// The anomaly the cycle is an instance of.
    #[serde(rename = "type")]
    pub anomaly: Anomaly,
    /// The transactions, in cycle order (the first is not repeated at the end).
    pub txns: Vec<TxnId>,
    /// `steps[i]` explains `txns[i] → txns[(i + 1) % len]`.
    pub steps: Vec<Step>,
}

/// Why one transaction precedes another.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Step {
    /// `ww`, `wr`, `rw`, `process` or `realtime`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// The earlier transaction.
    pub from: TxnId,
    /// The later transaction.
    pub to: TxnId,
    /// Data edges: the key.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<Value>,
    /// Data edges: the version `from` wrote or read (`null` for the initial state).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<Value>,
    /// ww and rw: the version `to` wrote.
    #[serde(rename = "value'", skip_serializing_if = "Option::is_none")]
    pub value2: Option<Value>,
    /// Index of the micro-op of `from` involved.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub a_mop_index: Option<usize>,
    /// Index of the micro-op of `to` involved.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub b_mop_index: Option<usize>,
    /// ww and rw: how the order of `value` and `value'` is known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub evidence: Option<Evidence>,
    /// The sentence explaining the step.
    pub explanation: String,
}

/// How a step's version order is known.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "by", rename_all = "kebab-case")]
pub enum Evidence {
    /// list-append: this read shows `value` before `value'` (with only failed or unwritten
    /// elements between).
    Read {
        /// The reading transaction.
        txn: TxnId,
        /// Index of the read.
        mop: usize,
    },
    /// list-append: this read returned the whole trace, ending in `value`, and no read shows
    /// `value'`, so it was appended later.
    Unobserved {
        /// The reading transaction.
        txn: TxnId,
        /// Index of the read.
        mop: usize,
    },
    /// rw-register: `value` is the initial `nil`.
    Initial,
    /// rw-register: this transaction saw `value`, then wrote `value'`.
    WithinTxn {
        /// The transaction.
        txn: TxnId,
    },
    /// rw-register, `--sequential-keys`: successive transactions of one process.
    SequentialKeys {
        /// The earlier transaction.
        from: TxnId,
        /// The later one.
        to: TxnId,
    },
    /// rw-register, `--linearizable-keys`: `from` completed before `to` was invoked.
    LinearizableKeys {
        /// The earlier transaction.
        from: TxnId,
        /// The later one.
        to: TxnId,
    },
}
