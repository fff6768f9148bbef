//! MariaDB 10.11 (InnoDB) on a real network (needs root and Debian's `mariadb-server`;
//! without them each test prints why and passes): `examples/clusters/mariadb.toml`, one server,
//! each operation one SQL transaction. At InnoDB's default, repeatable read, reads come from a
//! snapshot but writes apply to the newest version, so two transactions that read the same
//! version both write it: lost update — not snapshot isolation, whatever the level's name.

use super::postgres::names;
use super::{example_cluster, run_cluster, skip_without, text, ONE_AT_A_TIME};

macro_rules! require {
    () => {
        if let Some(why) = skip_without(&["unshare", "id", "mariadbd", "mariadb-install-db"]) {
            eprintln!("skipped: {why}");
            return;
        }
    };
}

#[test]
fn mariadb_repeatable_read_loses_updates() {
    require!();
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let (out, r, _store) = run_cluster(
        &example_cluster("mariadb.toml"),
        &[
            "--workload",
            "txn-list-append",
            "--time-limit",
            "2s",
            "--rate",
            "400",
            "--concurrency",
            "10",
            "--key-count",
            "3",
            "--seed",
            "1",
        ],
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        names(&r, "anomaly_types").contains(&"lost-update".into()),
        "{r}"
    );
    assert_eq!(
        r["netns"]["settings"]["isolation"], "repeatable-read",
        "{r}"
    );
}
