//! `splitbrain run --net ssh`: real sshd on three "hosts" — network namespaces this test creates,
//! each with its own sshd and host key, and a key pair generated now — and the harness in a
//! fourth namespace as the control node. etcd runs on the hosts over ssh and must give the same
//! verdicts as over netns. Needs root, `ip`, `iptables-restore`, `sshd` and `etcd`; without them
//! the tests print why and pass. One at a time (the netns tests' lock).

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value as Json;

use super::netns::{processes_mentioning, seed_isolating_one_node, ONE_AT_A_TIME};

const HOSTS: usize = 3;
const SUBNET: &str = "10.79.0";

fn skip_reason() -> Option<String> {
    if !nix::unistd::geteuid().is_root() {
        return Some("not root (network namespaces, sshd and iptables need it)".into());
    }
    let found = |tool: &str| {
        std::env::var_os("PATH")
            .is_some_and(|p| std::env::split_paths(&p).any(|d| d.join(tool).is_file()))
            || Path::new("/usr/sbin").join(tool).is_file()
    };
    [
        "etcd",
        "ip",
        "iptables-restore",
        "sshd",
        "ssh",
        "ssh-keygen",
    ]
    .into_iter()
    .find(|t| !found(t))
    .map(|t| format!("`{t}` is not installed"))
}

macro_rules! require_lab {
    () => {
        if let Some(why) = skip_reason() {
            eprintln!("skipped: {why}");
            return;
        }
    };
}

fn sh(program: &str, args: &[&str]) {
    let out = Command::new(program).args(args).output().expect(program);
    assert!(
        out.status.success(),
        "{program} {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Three hosts with sshd and a control namespace, removed on drop.
struct Lab {
    name: String,
    dir: tempfile::TempDir,
    sshd: Vec<Child>,
}

impl Lab {
    fn ns(&self, what: &str) -> String {
        format!("{}-{what}", self.name)
    }

    fn host(i: usize) -> String {
        format!("{SUBNET}.{}", i + 1)
    }

    fn create() -> Lab {
        let name = format!("sbl{:05x}", std::process::id() & 0xf_ffff);
        let mut lab = Lab {
            name,
            dir: tempfile::tempdir().unwrap(),
            sshd: Vec::new(),
        };
        let ctl = lab.ns("c");
        sh("ip", &["netns", "add", &ctl]);
        sh("ip", &["-n", &ctl, "link", "set", "lo", "up"]);
        sh("ip", &["-n", &ctl, "link", "add", "br0", "type", "bridge"]);
        sh(
            "ip",
            &[
                "-n",
                &ctl,
                "addr",
                "add",
                &format!("{SUBNET}.254/24"),
                "dev",
                "br0",
            ],
        );
        sh("ip", &["-n", &ctl, "link", "set", "br0", "up"]);
        let d = lab.dir.path().to_path_buf();
        let key = d.join("id");
        sh(
            "ssh-keygen",
            &["-q", "-t", "ed25519", "-N", "", "-f", key.to_str().unwrap()],
        );
        std::fs::copy(d.join("id.pub"), d.join("authorized_keys")).unwrap();
        std::fs::create_dir_all("/run/sshd").unwrap();
        for i in 0..HOSTS {
            let ns = lab.ns(&format!("h{i}"));
            sh("ip", &["netns", "add", &ns]);
            sh("ip", &["-n", &ns, "link", "set", "lo", "up"]);
            let port = format!("p{i}");
            sh(
                "ip",
                &[
                    "-n", &ctl, "link", "add", &port, "type", "veth", "peer", "name", "eth0",
                    "netns", &ns,
                ],
            );
            sh(
                "ip",
                &["-n", &ctl, "link", "set", &port, "master", "br0", "up"],
            );
            sh(
                "ip",
                &[
                    "-n",
                    &ns,
                    "addr",
                    "add",
                    &format!("{}/24", Lab::host(i)),
                    "dev",
                    "eth0",
                ],
            );
            sh("ip", &["-n", &ns, "link", "set", "eth0", "up"]);
            let host_key = d.join(format!("host{i}"));
            sh(
                "ssh-keygen",
                &[
                    "-q",
                    "-t",
                    "ed25519",
                    "-N",
                    "",
                    "-f",
                    host_key.to_str().unwrap(),
                ],
            );
            let config = d.join(format!("sshd{i}.conf"));
            std::fs::write(
                &config,
                format!(
                    "ListenAddress {}:22\nHostKey {}\nAuthorizedKeysFile {}\n\
                     PermitRootLogin prohibit-password\nPasswordAuthentication no\n\
                     KbdInteractiveAuthentication no\nUsePAM no\nStrictModes no\n\
                     PidFile {}\nMaxSessions 100\nMaxStartups 100\n",
                    Lab::host(i),
                    host_key.display(),
                    d.join("authorized_keys").display(),
                    d.join(format!("sshd{i}.pid")).display(),
                ),
            )
            .unwrap();
            let child = Command::new("ip")
                .args(["netns", "exec", &ns, "/usr/sbin/sshd", "-D", "-e", "-f"])
                .arg(&config)
                .stdout(Stdio::null())
                .stderr(Stdio::from(
                    std::fs::File::create(d.join(format!("sshd{i}.log"))).unwrap(),
                ))
                .spawn()
                .unwrap();
            lab.sshd.push(child);
        }
        std::thread::sleep(Duration::from_millis(300));
        lab
    }

    /// A cluster file for etcd on the lab's hosts.
    fn cluster_file(&self) -> PathBuf {
        self.cluster_file_for("etcd-3.toml", HOSTS)
    }

    /// The example cluster file `example` with its nodes on the lab's first `hosts` hosts.
    fn cluster_file_for(&self, example: &str, hosts: usize) -> PathBuf {
        let text = std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("examples/clusters")
                .join(example),
        )
        .unwrap();
        let mut text = text.replace("nodes = 3\n", "");
        text.push_str(&format!(
            "\n[ssh]\nuser = \"root\"\nkey = \"{}\"\ndir = \"{}\"\n",
            self.dir.path().join("id").display(),
            self.remote_dir().display()
        ));
        for i in 0..hosts {
            text.push_str(&format!("[[hosts]]\naddress = \"{}\"\n", Lab::host(i)));
        }
        let path = self.dir.path().join(format!("ssh-{example}"));
        std::fs::write(&path, text).unwrap();
        path
    }

    fn remote_dir(&self) -> PathBuf {
        self.dir.path().join("remote")
    }

    /// `splitbrain ARGS...` from the control namespace.
    fn splitbrain(&self, args: &[String]) -> Command {
        let mut c = Command::new("ip");
        c.args([
            "netns",
            "exec",
            &self.ns("c"),
            env!("CARGO_BIN_EXE_splitbrain"),
        ])
        .args(args)
        .stdin(Stdio::null());
        c
    }

    /// Rules of any run still in the hosts' namespaces.
    fn leftover_rules(&self) -> Vec<String> {
        (0..HOSTS)
            .flat_map(|i| {
                let out = Command::new("ip")
                    .args([
                        "netns",
                        "exec",
                        &self.ns(&format!("h{i}")),
                        "iptables",
                        "-S",
                    ])
                    .output()
                    .unwrap();
                String::from_utf8_lossy(&out.stdout)
                    .lines()
                    .filter(|l| l.contains("-PART") || l.contains("-LOSS"))
                    .map(str::to_string)
                    .collect::<Vec<_>>()
            })
            .collect()
    }

    fn assert_nothing_left(&self) {
        let procs = processes_mentioning(&self.remote_dir().display().to_string());
        assert!(procs.is_empty(), "processes left on the hosts: {procs:?}");
        assert!(
            self.leftover_rules().is_empty(),
            "{:?}",
            self.leftover_rules()
        );
        // `bin/` holds what `[install]` and `{splitbrain}` copied: kept on purpose, so the
        // next run does not send it again.
        let left: Vec<_> = std::fs::read_dir(self.remote_dir())
            .map(|d| {
                d.flatten()
                    .map(|e| e.file_name())
                    .filter(|name| name != "bin")
                    .collect()
            })
            .unwrap_or_default();
        assert!(
            left.is_empty(),
            "run directories left on the hosts: {left:?}"
        );
    }
}

impl Drop for Lab {
    fn drop(&mut self) {
        for child in &mut self.sshd {
            let _ = child.kill();
            let _ = child.wait();
        }
        for i in (0..HOSTS).rev() {
            let _ = Command::new("ip")
                .args(["netns", "del", &self.ns(&format!("h{i}"))])
                .status();
        }
        let _ = Command::new("ip")
            .args(["netns", "del", &self.ns("c")])
            .status();
    }
}

fn args(lab: &Lab, seed: u64, store: &Path, extra: &[&str]) -> Vec<String> {
    let mut a: Vec<String> = [
        "run",
        "--workload",
        "lin-kv",
        "--net",
        "ssh",
        "--cluster",
        &lab.cluster_file().display().to_string(),
        "--time-limit",
        "8s",
        "--rate",
        "150",
        "--concurrency",
        "6",
        "--key-count",
        "2",
        "--rpc-timeout",
        "500ms",
        "--nemesis",
        "partition",
        "--nemesis-interval",
        "2s",
        "--recovery-time",
        "1s",
        "--seed",
        &seed.to_string(),
        "--store",
        &store.display().to_string(),
        "--no-progress",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    a.extend(extra.iter().map(|s| s.to_string()));
    a
}

fn text(o: &Output) -> String {
    format!(
        "stdout:\n{}\nstderr:\n{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn results(store: &Path) -> Json {
    serde_json::from_slice(&std::fs::read(store.join("latest/results.json")).unwrap()).unwrap()
}

#[test]
fn etcd_over_ssh_with_linearizable_reads_under_partitions_is_valid_and_leaves_nothing() {
    require_lab!();
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let lab = Lab::create();
    let store = tempfile::tempdir().unwrap();
    let out = lab
        .splitbrain(&args(&lab, seed_isolating_one_node(), store.path(), &[]))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let r = results(store.path());
    assert!(r["stats"]["ok"].as_u64().unwrap() > 100, "{r}");
    assert!(
        r["nemesis"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["f"] == "start-partition"),
        "{r}"
    );
    assert_eq!(r["ssh"]["hosts"].as_array().unwrap().len(), HOSTS, "{r}");
    let log = std::fs::read_to_string(store.path().join("latest/node-logs/n0.log")).unwrap();
    assert!(
        log.contains("etcd"),
        "the node's log came back from its host: {log}"
    );
    lab.assert_nothing_left();
}

#[test]
fn etcd_over_ssh_with_serializable_reads_under_partitions_is_invalid() {
    require_lab!();
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let lab = Lab::create();
    let store = tempfile::tempdir().unwrap();
    let a = args(
        &lab,
        seed_isolating_one_node(),
        store.path(),
        &["--etcd-serializable-reads"],
    );
    let out = lab.splitbrain(&a).output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("cannot linearize"), "{stdout}");
    lab.assert_nothing_left();
}

#[test]
fn a_killed_ssh_run_is_cleaned_up_on_its_hosts_by_the_next_run() {
    require_lab!();
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let lab = Lab::create();
    let store = tempfile::tempdir().unwrap();
    let mut long = args(&lab, 7, store.path(), &[]);
    long[8] = "60s".into(); // --time-limit
    let mut child = lab
        .splitbrain(&long)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(40);
    while std::fs::read_to_string(store.path().join("latest/history.jsonl"))
        .unwrap_or_default()
        .lines()
        .count()
        < 20
    {
        assert!(
            Instant::now() < deadline,
            "the run did not start its clients"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    // SIGKILL to the harness (`ip netns exec` execs it, so this is its pid): no teardown.
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(
        !lab.leftover_rules().is_empty(),
        "the killed run left its rules"
    );
    let next = tempfile::tempdir().unwrap();
    let mut short = args(&lab, 1, next.path(), &[]);
    short[8] = "1s".into();
    let out = lab.splitbrain(&short).output().unwrap();
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("removed leftovers of a killed run"),
        "{}",
        text(&out)
    );
    lab.assert_nothing_left();
}

/// Clock skew on the hosts: the lease lock's reference nodes under `splitbrain shim` on two
/// hosts, each started under the host's libfaketime; every bump is read back on its host at the
/// offset written, in a node process with libfaketime mapped, and the fenced lock stays valid.
#[test]
fn clock_bumps_over_ssh_are_read_back_on_each_host_and_the_fenced_lock_stays_valid() {
    require_lab!();
    if let Err(why) = splitbrain::runner::clock_skew::libfaketime() {
        eprintln!("skipped: {why}");
        return;
    }
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let lab = Lab::create();
    let store = tempfile::tempdir().unwrap();
    let a: Vec<String> = [
        "run",
        "--workload",
        "lease-lock",
        "--net",
        "ssh",
        "--cluster",
        &lab.cluster_file_for("maelstrom.toml", 2)
            .display()
            .to_string(),
        "--node",
        "lock",
        "--hold",
        "100ms",
        "--holder-pause",
        "0s",
        "--concurrency",
        "4",
        "--rate",
        "100",
        "--time-limit",
        "4s",
        "--recovery-time",
        "500ms",
        "--nemesis",
        "clock",
        "--nemesis-interval",
        "500ms",
        "--seed",
        "1",
        "--store",
        &store.path().display().to_string(),
        "--no-progress",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let out = lab.splitbrain(&a).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let history = std::fs::read_to_string(store.path().join("latest/history.jsonl")).unwrap();
    let bumps: Vec<Json> = history
        .lines()
        .map(|l| serde_json::from_str::<Json>(l).unwrap())
        .filter(|e| e["process"] == "nemesis" && e["f"] == "bump")
        .collect();
    assert!(!bumps.is_empty(), "{}", text(&out));
    for bump in &bumps {
        assert_eq!(bump["effect"]["took"], true, "{bump}");
        for (node, offset) in bump["value"].as_object().unwrap() {
            let seen = &bump["effect"][node.as_str()];
            let read = seen["read-back-ms"].as_i64().expect("read back");
            assert!((read - offset.as_i64().unwrap()).abs() <= 50, "{bump}");
            assert_eq!(seen["libfaketime-mapped"], true, "{bump}");
        }
    }
    lab.assert_nothing_left();
}

/// etcd is a Go program: its clock cannot be moved by libfaketime, which the harness learns by
/// reading a few kilobytes of the binary on the host, before anything starts.
#[test]
fn clock_faults_on_etcd_over_ssh_are_refused_naming_the_binary_on_the_host() {
    require_lab!();
    if let Err(why) = splitbrain::runner::clock_skew::libfaketime() {
        eprintln!("skipped: {why}");
        return;
    }
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let lab = Lab::create();
    let store = tempfile::tempdir().unwrap();
    let mut a = args(&lab, 1, store.path(), &[]);
    a[18] = "clock".into(); // --nemesis
    let out = lab.splitbrain(&a).output().unwrap();
    assert_eq!(out.status.code(), Some(3), "{}", text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("Go program") && stderr.contains(&format!("on root@{}", Lab::host(0))),
        "{stderr}"
    );
    lab.assert_nothing_left();
}
