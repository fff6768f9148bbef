//! Recording client traffic into the [`ClientHistory`], and the shared `linearizable` property.

use std::sync::Arc;

use stateright::actor::Envelope;

use super::{Msg, Topology};
use crate::history::{ClientHistory, Observed, VerdictCache};
use crate::spec::{Spec, SpecProperty};

/// What the record functions need: stateright passes it as the `ActorModel`'s configuration.
pub(crate) struct Context<S> {
    spec: Arc<S>,
    topology: Topology,
    verdicts: Option<Arc<VerdictCache>>,
}

impl<S> Context<S> {
    pub(crate) fn new(
        spec: Arc<S>,
        topology: Topology,
        verdicts: Option<Arc<VerdictCache>>,
    ) -> Context<S> {
        Context {
            spec,
            topology,
            verdicts,
        }
    }
}

impl<S> Clone for Context<S> {
    fn clone(&self) -> Self {
        Context {
            spec: Arc::clone(&self.spec),
            topology: self.topology,
            verdicts: self.verdicts.clone(),
        }
    }
}

/// A client sent a message: a request invokes an operation.
pub(crate) fn record_out<S: Spec>(
    context: &Context<S>,
    history: &ClientHistory,
    envelope: Envelope<&Arc<Msg<S>>>,
) -> Option<ClientHistory> {
    let src = context.topology.node_id(envelope.src);
    if !src.is_client() {
        return None;
    }
    match context.spec.observe(envelope.msg) {
        observed @ Observed::Invoke { .. } => history.record(src.index() as u32, observed, None),
        _ => None,
    }
}

/// A client received a message: a reply completes its operation.
pub(crate) fn record_in<S: Spec>(
    context: &Context<S>,
    history: &ClientHistory,
    envelope: Envelope<&Arc<Msg<S>>>,
) -> Option<ClientHistory> {
    let dst = context.topology.node_id(envelope.dst);
    if !dst.is_client() {
        return None;
    }
    match context.spec.observe(envelope.msg) {
        observed @ Observed::Complete { .. } => {
            history.record(dst.index() as u32, observed, context.verdicts.as_deref())
        }
        _ => None,
    }
}

/// The `linearizable` property, for specs that name a sequential spec
/// ([`Spec::sequential_spec`]): the clients' operations, as recorded so far, are linearizable.
pub fn linearizable<S: Spec>() -> SpecProperty<S> {
    SpecProperty::always(
        "linearizable",
        "the clients' operations so far are linearizable: each appears to take effect at one \
         instant between its invocation and its completion, in an order the sequential register \
         allows",
        "Herlihy & Wing, \"Linearizability: A Correctness Condition for Concurrent Objects\", \
         TOPLAS 12(3), 1990, §2 and §3.1",
        |_, state| state.history().is_linearizable(),
    )
}
