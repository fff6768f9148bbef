//! What a real-network run reports at its end: the backend's section of `results.json` (the
//! cluster file, the run's prefix, the adapter and its settings, nodes that exited on their own,
//! leader reports, failovers and overlapping leaders) and the lines for the terminal.

use std::path::Path;

use serde_json::{json, Map, Value as Json};

use super::leader::{self, Report};
use crate::runner::backend::BackendSummary;
use crate::runner::nemesis::Scheduled;
use crate::runner::protocol::node_id;
use crate::runner::systems::{Settings, SystemAdapter};

/// What the backend collected over the run.
pub struct Collected<'a> {
    /// The cluster file.
    pub cluster: &'a Path,
    /// The run's prefix.
    pub prefix: &'a str,
    /// The adapter.
    pub adapter: &'a dyn SystemAdapter,
    /// Its settings.
    pub settings: &'a Settings,
    /// Nodes that exited on their own: `(index, status)`.
    pub exits: &'a [(usize, String)],
    /// Leader reports, in time order.
    pub reports: &'a [Report],
    /// The faults applied.
    pub applied: &'a [Scheduled],
    /// The number of nodes.
    pub nodes: usize,
    /// Anything else the backend adds to its section.
    pub extra: Map<String, Json>,
}

/// The backend summary named `name` (`netns`, `ssh`).
pub fn summary(name: &'static str, c: Collected<'_>) -> BackendSummary {
    let failovers = leader::failovers(c.reports, c.applied, c.nodes);
    let overlaps = leader::overlaps(c.reports, c.nodes);
    let mut notes: Vec<String> = (c.exits.iter())
        .map(|(i, status)| {
            format!(
                "node {} exited on its own ({status}); see its log in the store",
                node_id(*i)
            )
        })
        .collect();
    notes.extend(failovers.iter().map(leader::Failover::describe));
    notes.extend(overlaps.iter().map(leader::Overlap::describe));
    let mut section = json!({
        "cluster": c.cluster,
        "prefix": c.prefix,
        "client": c.adapter.name(),
        "leader_failovers": failovers,
        // Times when two or more nodes each said they led (two primaries).
        "leader_overlaps": overlaps,
        // Nodes that exited on their own (a crash is a finding, not a harness error).
        "node_exits": c.exits.iter().map(|(i, status)| json!({
            "node": node_id(*i), "status": status,
        })).collect::<Vec<Json>>(),
        "leader_reports": c.reports.iter().map(|r| json!({
            "at": r.at.as_secs_f64(), "node": node_id(r.node),
            "leader": r.leader.to_string(), "member": r.member.to_string(),
        })).collect::<Vec<Json>>(),
    });
    if let Json::Object(map) = &mut section {
        map.insert("settings".into(), Json::Object(c.settings.to_json()));
        map.extend(c.extra);
    }
    BackendSummary {
        net: Default::default(),
        section: Some((name, section)),
        notes,
    }
}
