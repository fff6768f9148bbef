//! [`LeaseLock`]: the `lease-lock` spec and its properties.
//!
//! | property | kind | definition |
//! |---|---|---|
//! | `fencing` | always | Kleppmann (2016), "Making the lock safe with fencing": the storage rejects any token lower than one it has already processed |
//! | `one writer per lease` | always | ibid., "Protecting a resource with a lock": the lock's purpose is that the writes of only one client take effect at a time — here: while the storage is at token t, only t's holder's writes take effect |
//! | `write takes effect` | sometimes | reachability: some write is stored |
//! | `stale write rejected` | sometimes | reachability: the scenario the article is about (a paused client writes after its lease expired) happens, and fencing stops it |

use std::time::Duration;

use super::{LeaseNode, LeaseState, LockClient, LockMsg, LockServer, Storage, StorageState};
use crate::history::{Completion, Function, Observed, OpValue};
use crate::protocol::NodeId;
use crate::spec::{BugInfo, ParameterInfo, Spec, SpecConfig, SpecProperty};
use crate::system::{canonical_clients, Representative, System, SystemState, Topology};
use crate::ModelError;

/// The bug variant: the storage ignores fencing tokens.
pub const NO_FENCING: &str = "no-fencing";

const SOURCE: &str = "Kleppmann, \"How to do distributed locking\" (2016)";

/// The lease lock service: lock server `n0`, storage `n1`, `clients` clients doing `rounds`
/// rounds of acquire, write, release.
#[derive(Clone, Debug)]
pub struct LeaseLock {
    clients: usize,
    rounds: u32,
    fencing: bool,
}

impl LeaseLock {
    /// The spec judging a deployed lock server and storage (`splitbrain validate`): one idle
    /// client; `bug` as the nodes are judged.
    pub(crate) fn deployed(bug: Option<&str>) -> LeaseLock {
        LeaseLock {
            clients: 1,
            rounds: 1,
            fencing: bug != Some(NO_FENCING),
        }
    }

    /// The lock server.
    pub const LOCK: NodeId = NodeId::Node(0);
    /// The storage.
    pub const STORAGE: NodeId = NodeId::Node(1);
}

fn storage<'a>(system: &System<LeaseLock>, state: &'a SystemState<LeaseLock>) -> &'a StorageState {
    match system.state(state, LeaseLock::STORAGE) {
        LeaseState::Storage(storage) => storage,
        _ => unreachable!("n1 is the storage"),
    }
}

impl Spec for LeaseLock {
    type Node = LeaseNode;

    const NAME: &'static str = "lease-lock";
    const DESCRIPTION: &'static str =
        "a lease lock service with fencing tokens; paused clients must not write over newer leases";

    fn parameters() -> Vec<ParameterInfo> {
        vec![
            ParameterInfo::new(
                "clients",
                "clients (interchangeable: --symmetry applies)",
                3,
                1,
                4,
            ),
            ParameterInfo::new("rounds", "acquire/write/release rounds per client", 1, 1, 3),
            ParameterInfo::crashes(0),
        ]
    }

    fn bugs() -> Vec<BugInfo> {
        vec![BugInfo {
            name: NO_FENCING,
            description: "the storage accepts writes without checking their fencing token",
            violates: "fencing",
            defaults: &[],
        }]
    }

    fn properties() -> Vec<SpecProperty<Self>> {
        vec![
            SpecProperty::always(
                "fencing",
                "the storage never accepts a token lower than one it has accepted",
                "Kleppmann, \"How to do distributed locking\" (2016), section \"Making the lock \
                 safe with fencing\"",
                |system, state| {
                    let writes = &storage(system, state).writes;
                    writes.windows(2).all(|w| w[0].token <= w[1].token)
                },
            ),
            SpecProperty::always(
                "one writer per lease",
                "while the storage is at a lease's token, only one client's writes take effect",
                "Kleppmann, \"How to do distributed locking\" (2016), section \"Protecting a \
                 resource with a lock\"",
                |system, state| {
                    let mut fence = 0;
                    let mut writer = None;
                    storage(system, state).writes.iter().all(|w| {
                        if w.token > fence {
                            fence = w.token;
                            writer = Some(w.writer);
                        }
                        writer == Some(w.writer)
                    })
                },
            ),
            SpecProperty::sometimes(
                "write takes effect",
                "some write is stored",
                SOURCE,
                |system, state| !storage(system, state).writes.is_empty(),
            ),
            SpecProperty::sometimes(
                "stale write rejected",
                "a client writes after its lease expired and the storage rejects it",
                SOURCE,
                |system, state| storage(system, state).rejected > 0,
            ),
        ]
    }

    fn new(config: &SpecConfig) -> Result<Self, ModelError> {
        Ok(LeaseLock {
            clients: config.count("clients"),
            rounds: config.get("rounds") as u32,
            fencing: config.bug() != Some(NO_FENCING),
        })
    }

    fn topology(&self) -> Topology {
        Topology::new(2, self.clients)
    }

    fn nodes(&self) -> Vec<LeaseNode> {
        let lock = LeaseNode::Lock(LockServer {
            lease: Duration::from_secs(1),
        });
        let storage = LeaseNode::Storage(Storage {
            fencing: self.fencing,
        });
        let clients = (0..self.clients).map(|_| {
            LeaseNode::Client(LockClient {
                lock: LeaseLock::LOCK,
                storage: LeaseLock::STORAGE,
                rounds: self.rounds,
            })
        });
        [lock, storage].into_iter().chain(clients).collect()
    }

    fn observe(&self, msg: &LockMsg) -> Observed {
        let complete = |in_reply_to, completion| Observed::Complete {
            in_reply_to,
            completion,
        };
        match *msg {
            LockMsg::Acquire { msg_id } => {
                Observed::invoke(msg_id, Function::Acquire, OpValue::Null)
            }
            LockMsg::Write { msg_id, value, .. } => {
                Observed::invoke(msg_id, Function::Write, OpValue::Int(value))
            }
            LockMsg::Release { msg_id, token } => {
                Observed::invoke(msg_id, Function::Release, OpValue::Int(token))
            }
            LockMsg::AcquireOk { in_reply_to, token } => {
                complete(in_reply_to, Completion::Ok(Some(OpValue::Int(token))))
            }
            LockMsg::WriteOk { in_reply_to } | LockMsg::ReleaseOk { in_reply_to } => {
                complete(in_reply_to, Completion::Ok(None))
            }
            LockMsg::Error { in_reply_to, code } => complete(in_reply_to, Completion::Error(code)),
        }
    }

    fn symmetry() -> Option<Representative<Self>> {
        Some(canonical_clients::<LeaseLock>)
    }
}
