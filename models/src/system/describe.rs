//! One [`SystemAction`] as one line, for stateright's Explorer ([`Model::format_action`]).
//!
//! [`Model::format_action`]: stateright::Model::format_action

use stateright::actor::ActorModelAction;

use super::{ActionOf, System, SystemAction};
use crate::spec::Spec;

/// One line describing `action` (for the Explorer).
pub(super) fn describe_action<S: Spec>(system: &System<S>, action: &ActionOf<S>) -> String {
    let topology = system.topology();
    let node = |id| topology.node_id(id);
    match action {
        SystemAction::Actor(ActorModelAction::Deliver { src, dst, msg }) => {
            format!("{} receives {msg:?} from {}", node(*dst), node(*src))
        }
        SystemAction::Actor(ActorModelAction::Drop(e)) => {
            format!(
                "network loses {:?} from {} to {}",
                e.msg,
                node(e.src),
                node(e.dst)
            )
        }
        SystemAction::Actor(ActorModelAction::Timeout(id, timer)) => {
            format!("{}: timer {timer:?} fires", node(*id))
        }
        SystemAction::Actor(ActorModelAction::SelectRandom { actor, random, .. }) => {
            format!("{}: environment picks {random:?}", node(*actor))
        }
        SystemAction::Actor(ActorModelAction::Crash(id)) => format!("{} crashes", node(*id)),
        SystemAction::Actor(ActorModelAction::Recover(id)) => format!("{} recovers", node(*id)),
        SystemAction::Partition(side) => format!("partition: {side:?} | rest"),
        SystemAction::Heal => "partition heals".to_owned(),
    }
}
