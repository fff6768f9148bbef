//! [`TxnOptions`] and [`Workload`]: what a transactional check is asked to do.

use std::fmt;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use super::models::ConsistencyModel;

/// Which transactional workload a history records.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Workload {
    /// Lists per key: `[:append k v]` adds a unique `v`; `[:r k [v ...]]` returns the whole list.
    /// The reads reveal the order of appends, so version orders are (almost) complete.
    ListAppend,
    /// Registers per key: `[:w k v]` sets a unique `v`; `[:r k v]` returns it (`nil` initially).
    /// Version orders must be inferred (see `infer/rw_register.rs`).
    RwRegister,
}

impl Workload {
    /// Every workload, for help texts.
    pub const ALL: [Workload; 2] = [Workload::ListAppend, Workload::RwRegister];

    /// The command-line name.
    pub fn name(self) -> &'static str {
        match self {
            Workload::ListAppend => "list-append",
            Workload::RwRegister => "rw-register",
        }
    }

    /// The workload named `name` (`list-append`, also `append`; `rw-register`, also `wr`).
    pub fn from_name(name: &str) -> Option<Workload> {
        Some(match name {
            "list-append" | "append" | "txn-list-append" => Workload::ListAppend,
            "rw-register" | "wr" | "txn-rw-register" => Workload::RwRegister,
            _ => return None,
        })
    }
}

impl fmt::Display for Workload {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl serde::Serialize for Workload {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

/// Options of a transactional check. `Default`: workload inferred, strict-serializable,
/// no key assumptions, no limits, every reported cycle re-verified.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct TxnOptions {
    /// The workload; inferred from the micro-ops when `None`.
    pub workload: Option<Workload>,
    /// The models the history must satisfy; anomalies they forbid make it invalid.
    pub consistency_models: Vec<ConsistencyModel>,
    /// rw-register: assume each key is sequentially consistent and infer version orders from
    /// each process's order of transactions (Elle's `:sequential-keys?`).
    pub sequential_keys: bool,
    /// rw-register: assume each key is linearizable and infer version orders from real-time
    /// order (Elle's `:linearizable-keys?`).
    pub linearizable_keys: bool,
    /// Wall-clock limit; when hit the verdict is `unknown`.
    pub time_limit: Option<Duration>,
    /// Limit on the dependency graph's memory, in bytes; when hit the verdict is `unknown`.
    pub memory_limit: Option<u64>,
    /// Work allowed to the search for one named cycle type in one strongly connected component,
    /// in edge visits beyond the linear-time existence checks. When it runs out the type is
    /// reported as `cycle-search-incomplete` (never dropped).
    pub cycle_search_budget: u64,
    /// The file the history came from, named in errors and explanations.
    pub file: Option<Arc<Path>>,
    /// Decide read-committed, read-atomic and causal (also `causal-cerone`) completely, by
    /// Biswas and Enea's axioms, besides the cycle search (see `isolation.rs`). On by default;
    /// off, those models mean Elle's (Adya's PL-2; Cerone's without session order).
    pub complete_levels: bool,
}

impl Default for TxnOptions {
    fn default() -> Self {
        TxnOptions {
            workload: None,
            consistency_models: vec![ConsistencyModel::StrictSerializable],
            sequential_keys: false,
            linearizable_keys: false,
            time_limit: None,
            memory_limit: None,
            cycle_search_budget: 20_000_000,
            file: None,
            complete_levels: true,
        }
    }
}

impl TxnOptions {
    /// Options checking `models`.
    pub fn with_models(models: &[ConsistencyModel]) -> Self {
        TxnOptions {
            consistency_models: models.to_vec(),
            ..TxnOptions::default()
        }
    }
}
