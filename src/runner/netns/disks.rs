//! [`Disks`]: with `lazyfs = true` in the cluster file, each node's data directory
//! (`<run>/data/nX`) is a lazy filesystem over `<run>/lazyfs/nX`, mounted before the node first
//! starts and named `<prefix>-nX` in the mount table (so a killed run's mounts are found by its
//! prefix); dropped (unmounted) at teardown, after the nodes are killed.

use crate::history::Value;
use crate::runner::effect::Effect;
use crate::runner::lazyfs::{Disk, Loss};
use crate::runner::protocol::node_id;
use crate::runner::real::ClusterFile;
use crate::runner::store::Store;
use crate::runner::RunError;

/// The nodes' lazy disks, by slot.
pub struct Disks {
    disks: Vec<Disk>,
}

impl Disks {
    /// Mounts one disk per node of `cluster` in `store`'s run named `prefix`.
    pub fn mount(cluster: &ClusterFile, store: &Store, prefix: &str) -> Result<Disks, RunError> {
        let mut disks = Vec::new();
        for i in 0..cluster.nodes {
            let id = node_id(i);
            let point = store.data_dir(&id)?;
            let backing = store.path("lazyfs").join(&id);
            let disk = Disk::mount(&backing, &point, &format!("{prefix}-{id}"))
                .map_err(|e| RunError::Netns(e.to_string()))?;
            disks.push(disk);
        }
        Ok(Disks { disks })
    }

    /// A power failure on node `i`'s disk (the node is down): the evidence is what was held and
    /// what was dropped. It took effect when the disk was remounted with its cache emptied;
    /// a node that had synced everything loses zero bytes, and that is a power failure too.
    pub fn power_failure(&mut self, i: usize, seed: u64) -> Effect {
        let loss = Loss::from_seed(seed);
        match self.disks[i].power_failure(loss) {
            Ok(p) => Effect::took(vec![
                ("mode", Value::str(loss.name())),
                ("unsynced-bytes", int(p.crash.unsynced_bytes)),
                ("dropped-bytes", int(p.crash.dropped_bytes)),
                ("dropped-ops", int(p.crash.dropped_ops)),
                ("files", int(p.crash.files)),
            ]),
            Err(e) => Effect::missed(vec![("error", Value::str(e.to_string()))]),
        }
    }
}

fn int(n: u64) -> Value {
    Value::Int(i64::try_from(n).unwrap_or(i64::MAX))
}
