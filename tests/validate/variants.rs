//! The bug variants, run under random faults (no targeted nemesis) and validated against the
//! correct model, leave it at a step that names the node and what it did.
