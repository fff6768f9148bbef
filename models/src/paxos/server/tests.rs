//! The server driven directly, as a real-process host drives it: handlers in, effects out.

use super::*;
use crate::protocol::Effect;

fn server() -> PaxosServer {
    PaxosServer {
        servers: 3,
        proposal: None,
        rounds: 1,
        ignore_promise: false,
    }
}

fn ballot(round: u32, node: usize) -> Ballot {
    Ballot {
        round,
        node: NodeId::node(node),
    }
}

fn deliver(
    server: &PaxosServer,
    state: &mut ServerState,
    from: NodeId,
    msg: impl Into<Msg>,
) -> Vec<Effect<PaxosServer>> {
    let mut out = Effects::new();
    server.on_msg(NodeId::node(2), state, from, msg.into(), &mut out);
    out.into_iter().collect()
}

#[test]
fn acceptor_persists_its_promise_before_replying() {
    let (server, mut state) = (server(), ServerState::default());
    let effects = deliver(
        &server,
        &mut state,
        NodeId::node(0),
        PaxosMsg::Prepare {
            ballot: ballot(1, 0),
        },
    );
    assert!(matches!(
        effects[0],
        Effect::Persist(Durable {
            promised: Some(_),
            accepted: None
        })
    ));
    assert!(matches!(effects[1], Effect::Sync));
    assert!(matches!(
        &effects[2],
        Effect::Send { to, msg: Msg::Paxos(PaxosMsg::Promise { accepted: None, .. }) } if *to == NodeId::node(0)
    ));
}

#[test]
fn acceptor_refuses_a_ballot_below_its_promise_unless_the_bug_is_on() {
    let mut state = ServerState::default();
    deliver(
        &server(),
        &mut state,
        NodeId::node(1),
        PaxosMsg::Prepare {
            ballot: ballot(2, 1),
        },
    );
    let stale = PaxosMsg::Accept {
        ballot: ballot(1, 0),
        value: 7,
    };
    assert!(deliver(
        &server(),
        &mut state.clone(),
        NodeId::node(0),
        stale.clone()
    )
    .is_empty());
    let buggy = PaxosServer {
        ignore_promise: true,
        ..server()
    };
    let effects = deliver(&buggy, &mut state, NodeId::node(0), stale);
    assert_eq!(
        state.accepted,
        Some(Vote {
            ballot: ballot(1, 0),
            value: 7
        })
    );
    // Persist, sync, send.
    assert_eq!(effects.len(), 3, "{effects:?}");
}

#[test]
fn recovers_its_promise_and_vote_after_a_crash() {
    let durable = Durable {
        promised: Some(ballot(3, 1)),
        accepted: Some(Vote {
            ballot: ballot(2, 0),
            value: 5,
        }),
    };
    let mut out = Effects::new();
    let state = server().on_start(NodeId::node(2), Some(&durable), &mut out);
    assert_eq!(
        (state.promised, state.accepted),
        (durable.promised, durable.accepted)
    );
    assert_eq!(state.decided, None);
}

#[test]
fn a_write_to_a_decided_register_succeeds_only_with_the_chosen_value() {
    let mut state = ServerState {
        decided: Some(1),
        ..ServerState::default()
    };
    let client = NodeId::client(0);
    let ok = deliver(
        &server(),
        &mut state,
        client,
        KvBody::Write {
            msg_id: 4,
            key: 0,
            value: 1,
        },
    );
    assert!(matches!(
        &ok[0],
        Effect::Send {
            msg: Msg::Kv(KvBody::WriteOk { in_reply_to: 4 }),
            ..
        }
    ));
    let lost = deliver(
        &server(),
        &mut state,
        client,
        KvBody::Write {
            msg_id: 5,
            key: 0,
            value: 2,
        },
    );
    assert!(matches!(
        &lost[0],
        Effect::Send {
            msg: Msg::Kv(KvBody::Error {
                in_reply_to: 5,
                code: ErrorCode::PreconditionFailed
            }),
            ..
        }
    ));
}
