//! Losing unsynced writes, as a power failure would, for reference nodes: while a node is down,
//! what its durable store wrote but did not sync (the unsynced file,
//! [`UNSYNCED_FILE`](crate::node::UNSYNCED_FILE), which stands for the page cache) is
//! discarded — all of it, or a torn tail that keeps a prefix cut at a random byte. The mode and
//! the cut come from a seed, so a replay discards the same bytes (given the same file); the
//! file's length is read back, and that read is the evidence it took effect.
//!
//! A node that synced everything it wrote has nothing to lose: the fault still took effect (the
//! node was killed and its unsynced file read back empty), with 0 bytes discarded. That is how a
//! correct node survives it.

use std::fs::{self, OpenOptions};
use std::path::Path;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::history::Value;
use crate::node::UNSYNCED_FILE;
use crate::runner::effect::Effect;

/// Discards the unsynced writes of the reference node whose data directory is `dir`: all of
/// them, or (drawn from `seed`) a torn tail. The effect: the mode, the unsynced bytes found and
/// the bytes discarded, as read back.
pub fn discard(dir: &Path, seed: u64) -> Effect {
    let path = dir.join(UNSYNCED_FILE);
    if !dir.is_dir() {
        return Effect::missed(vec![("error", Value::str("no data directory"))]);
    }
    let before = match fs::metadata(&path) {
        Ok(meta) => meta.len(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => 0,
        Err(e) => return Effect::missed(vec![("error", Value::str(e.to_string()))]),
    };
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let torn = rng.gen_bool(0.5) && before > 0;
    let keep = if torn { rng.gen_range(0..before) } else { 0 };
    let cut = || -> std::io::Result<u64> {
        if before > 0 {
            let file = OpenOptions::new().write(true).open(&path)?;
            file.set_len(keep)?;
            file.sync_all()?;
        }
        match fs::metadata(&path) {
            Ok(meta) => Ok(meta.len()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(0),
            Err(e) => Err(e),
        }
    };
    let mode = Value::str(if torn { "torn-tail" } else { "all" });
    match cut() {
        Ok(after) if after == keep => Effect::took(vec![
            ("mode", mode),
            ("unsynced-bytes", Value::Int(before as i64)),
            ("discarded-bytes", Value::Int((before - after) as i64)),
        ]),
        Ok(after) => Effect::missed(vec![
            ("mode", mode),
            (
                "error",
                Value::str(format!("{after} bytes read back, {keep} expected")),
            ),
        ]),
        Err(e) => Effect::missed(vec![("mode", mode), ("error", Value::str(e.to_string()))]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::node::DurableStore;

    fn field(effect: &Effect, name: &str) -> Option<Value> {
        effect
            .evidence
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.clone())
    }

    #[test]
    fn every_unsynced_write_or_a_torn_tail_is_discarded_and_the_synced_value_survives() {
        let (mut all, mut torn) = (0, 0);
        for seed in 0..40 {
            let dir = tempfile::tempdir().unwrap();
            let mut store = DurableStore::open(dir.path()).unwrap();
            store.save(&vec![1u32]).unwrap();
            store.write(&vec![1u32, 2]).unwrap();
            store.write(&vec![1u32, 2, 3]).unwrap();
            let unsynced = fs::metadata(store.unsynced_path()).unwrap().len();
            let effect = discard(dir.path(), seed);
            assert_eq!(effect.took, Some(true), "{effect:?}");
            assert_eq!(
                field(&effect, "unsynced-bytes"),
                Some(Value::Int(unsynced as i64))
            );
            let Some(Value::Int(discarded)) = field(&effect, "discarded-bytes") else {
                panic!("{effect:?}")
            };
            assert!(discarded > 0, "seed {seed}: something is always lost");
            let recovered = DurableStore::open(dir.path())
                .unwrap()
                .load::<Vec<u32>>()
                .unwrap()
                .unwrap();
            assert_ne!(
                recovered,
                vec![1, 2, 3],
                "seed {seed}: the last write is lost"
            );
            if discarded == unsynced as i64 {
                all += 1;
                assert_eq!(recovered, vec![1], "seed {seed}");
            } else {
                torn += 1;
            }
        }
        assert!(
            all > 0 && torn > 0,
            "both modes are drawn: {all} all, {torn} torn"
        );
    }

    #[test]
    fn a_node_that_synced_everything_loses_nothing_and_the_fault_still_took() {
        let dir = tempfile::tempdir().unwrap();
        DurableStore::open(dir.path())
            .unwrap()
            .save(&vec![7u32])
            .unwrap();
        let effect = discard(dir.path(), 3);
        assert_eq!(effect.took, Some(true));
        assert_eq!(field(&effect, "discarded-bytes"), Some(Value::Int(0)));
        assert_eq!(discard(&dir.path().join("absent"), 3).took, Some(false));
    }

    #[test]
    fn the_same_seed_discards_the_same_bytes() {
        let make = || {
            let dir = tempfile::tempdir().unwrap();
            fs::write(dir.path().join(UNSYNCED_FILE), b"[1]\n[1,2]\n[1,2,3]\n").unwrap();
            dir
        };
        for seed in 0..10 {
            let (a, b) = (make(), make());
            assert_eq!(discard(a.path(), seed), discard(b.path(), seed));
        }
    }
}
