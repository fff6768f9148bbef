//! The netns backend's own cleanup, without a run: namespaces and node processes go when a
//! panic unwinds through them.

use std::path::Path;

use super::command::which;
use super::nodes::Nodes;
use super::topology::Topology;
use crate::runner::real::marker::{fresh_prefix, MARKER_DIR};
use crate::runner::real::ClusterFile;
use crate::runner::real::Processes;
use crate::runner::Store;

fn can_run() -> bool {
    nix::unistd::geteuid().is_root() && which("ip").is_some()
}

#[test]
fn a_panic_mid_run_removes_every_namespace_and_process() {
    if !can_run() {
        eprintln!("skipped: needs root and `ip`");
        return;
    }
    let root = tempfile::tempdir().unwrap();
    let toml = r#"
nodes = 2
client = "etcd"
client_port = 2379
[start]
argv = ["sleep", "300", "{data_dir}"]
[ready]
http_get = "/health"
"#;
    let cluster = ClusterFile::parse(Path::new("t.toml"), toml).unwrap();
    let store = Store::create(root.path(), "lin-kv").unwrap();
    let prefix = fresh_prefix();
    let data = store.dir().join("data").display().to_string();
    let result = std::panic::catch_unwind(|| {
        let topology = Topology::create(&prefix, &cluster, false).unwrap();
        let plan = crate::runner::RunPlan::new(
            crate::runner::workload::WorkloadName::LinKv,
            crate::runner::NodeCommand::Bin(vec!["sleep".into()]),
            2,
        );
        let mut nodes = Nodes::new(&cluster, &topology, store.clone(), &plan).unwrap();
        nodes.start(0).unwrap();
        nodes.start(1).unwrap();
        assert!(Path::new("/run/netns").join(topology.node_ns(1)).exists());
        std::thread::sleep(std::time::Duration::from_millis(200));
        panic!("a bug in the middle of a run");
    });
    assert!(result.is_err());
    for ns in ["c", "n0", "n1"] {
        let path = Path::new("/run/netns").join(format!("{prefix}-{ns}"));
        assert!(!path.exists(), "{} left behind", path.display());
    }
    let left: Vec<String> = std::fs::read_dir("/proc")
        .unwrap()
        .flatten()
        .filter_map(|e| std::fs::read(e.path().join("cmdline")).ok())
        .map(|c| String::from_utf8_lossy(&c).replace('\0', " "))
        .filter(|c| c.contains(&data))
        .collect();
    assert!(left.is_empty(), "processes left: {left:?}");
    assert!(!Path::new(MARKER_DIR)
        .join(format!("{prefix}.json"))
        .exists());
}
