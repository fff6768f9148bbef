//! The `lease-lock-timed` catalog entry: its parameters, properties and bug, the check
//! (stateright's BFS, DFS or random walks over [`TimedLeaseLock`]) and its traces.
//!
//! A spec of its own rather than a parameter of `lease-lock`: the untimed spec is an actor
//! system on the framework's asynchronous network (any delay, any timer at any moment), which
//! has no real time to bound; the timed one needs a global clock, per-node rates and a delay
//! bound, so it is a plain stateright model. Keeping them apart leaves `lease-lock`'s states,
//! counts and traces exactly as they were.

use std::time::Instant;

use stateright::{Checker, HasDiscoveries, Model, Path, UniformChooser};

use super::{
    fenced_in_order, one_writer_per_lease, InFlight, TimedAction, TimedClient, TimedLeaseLock,
    TimedMsg, TimedState, NO_FENCING,
};
use crate::check::{
    Change, CheckOutcome, CheckRequest, PropertyOutcome, PropertyStatus, SearchEnd, Sent, Step,
    StepEvent, StopWhen, Strategy, Trace,
};
use crate::protocol::NodeId;
use crate::spec::{
    BugInfo, NetworkKind, ParameterInfo, PropertyInfo, PropertyKind, SpecConfig, SpecInfo,
};
use crate::ModelError;

/// The spec's name.
pub(crate) const NAME: &str = "lease-lock-timed";

const GRAY: &str = "Gray & Cheriton, \"Leases\" (SOSP 1989), §2: a holder stops early enough \
                    to cover message delay and clock drift ε";
const KLEPPMANN: &str = "Kleppmann, \"How to do distributed locking\" (2016)";

/// A property: its catalog entry and its condition.
struct TimedProperty {
    info: PropertyInfo,
    condition: fn(&TimedState) -> bool,
}

fn properties() -> Vec<TimedProperty> {
    let p = |name, kind, description, source, condition| TimedProperty {
        info: PropertyInfo {
            name,
            kind,
            description,
            source,
        },
        condition,
    };
    vec![
        p(
            "fencing",
            PropertyKind::Always,
            "no write is stored after a write with a newer token (mutual exclusion at the \
             storage)",
            KLEPPMANN,
            fenced_in_order,
        ),
        p(
            "one writer per lease",
            PropertyKind::Always,
            "while the storage is at a lease's token, only its holder's writes take effect",
            KLEPPMANN,
            one_writer_per_lease,
        ),
        p(
            "write takes effect",
            PropertyKind::Sometimes,
            "some write is stored",
            GRAY,
            |s| !s.writes.is_empty(),
        ),
        p(
            "lease handed over",
            PropertyKind::Sometimes,
            "a second lease is granted after the first expired, and its holder's write is stored",
            GRAY,
            |s| s.writes.iter().any(|&(_, token)| token >= 2),
        ),
    ]
}

/// The catalog entry.
pub(crate) fn info() -> SpecInfo {
    SpecInfo {
        name: NAME,
        description: "the lease lock in real time: clocks drifting at most ρ, messages delayed at \
                      most `delay`; holders write only while their own clock says the lease is \
                      valid",
        parameters: vec![
            ParameterInfo::new(
                "clients",
                "clients, one acquire and one write each",
                2,
                1,
                3,
            ),
            ParameterInfo::new(
                "lease",
                "lease length, ticks of the lock server's clock",
                10,
                2,
                40,
            ),
            ParameterInfo::new("delay", "longest message delay, real ticks", 1, 0, 5),
            ParameterInfo::new(
                "rho",
                "the clock-rate bound (percent) the clients' validity is sized for",
                10,
                0,
                50,
            ),
            ParameterInfo::new(
                "drift",
                "how far each clock really runs off real time (percent): slow, exact or fast",
                10,
                0,
                90,
            ),
            ParameterInfo::new(
                "margin",
                "extra client margin, ticks of its own clock",
                0,
                0,
                10,
            ),
            ParameterInfo::new(
                "horizon",
                "real ticks explored (clients send `acquire` at any tick before it)",
                16,
                1,
                100,
            ),
        ],
        network: NetworkKind::Unordered,
        properties: properties().into_iter().map(|p| p.info).collect(),
        bugs: vec![BugInfo {
            name: NO_FENCING,
            description: "the storage accepts writes without checking their fencing token: safe \
                          only while the clocks keep to the bound",
            violates: "fencing",
            defaults: &[],
        }],
        symmetry: false,
    }
}

/// The model a resolved configuration describes.
fn build(config: &SpecConfig) -> TimedLeaseLock {
    TimedLeaseLock {
        lease: config.get("lease"),
        delay: config.get("delay"),
        rho: config.get("rho"),
        drift: config.get("drift"),
        margin: config.get("margin"),
        clients: config.count("clients"),
        horizon: config.get("horizon"),
        fencing: config.bug() != Some(NO_FENCING),
        cutoff: Default::default(),
    }
}

/// Checks `request` (see [`crate::check()`]).
pub(crate) fn check(request: &CheckRequest) -> Result<CheckOutcome, ModelError> {
    if request.threads == 0 {
        return Err(ModelError::NoThreads);
    }
    if request.symmetry {
        return Err(ModelError::SymmetryUnsupported(NAME));
    }
    let random = !request.strategy.is_exhaustive();
    if random && request.max_states.is_none() && request.time_limit.is_none() {
        return Err(ModelError::UnboundedRandomSearch);
    }
    let info = info();
    let finish_when = match &request.stop_when {
        StopWhen::AllDecided => HasDiscoveries::All,
        StopWhen::FirstViolation => HasDiscoveries::AnyFailures,
        StopWhen::Decided(name) => {
            let property = info
                .properties
                .iter()
                .find(|p| p.name == name)
                .ok_or_else(|| ModelError::UnknownProperty {
                    spec: NAME,
                    name: name.clone(),
                    known: info
                        .properties
                        .iter()
                        .map(|p| p.name)
                        .collect::<Vec<_>>()
                        .join(", "),
                })?;
            HasDiscoveries::AllOf([property.name].into_iter().collect())
        }
    };
    let config = crate::check::resolve(&info, request)?;
    let model = build(&config);
    let cutoff = std::sync::Arc::clone(&model.cutoff);
    let mut builder = model
        .checker()
        .threads(request.threads)
        .finish_when(finish_when);
    // The cutoff, like the system's, stops an exhaustive search at the limit rather than a
    // block of expansions later; a random walk keeps stateright's own limits.
    if let Some(max) = request.max_states {
        builder = builder.target_state_count(max);
        if !random {
            cutoff.limit_successors(max as u64);
        }
    }
    let start = Instant::now();
    if let Some(limit) = request.time_limit {
        builder = builder.timeout(limit);
        if !random {
            cutoff.arm(start + limit);
        }
    }
    Ok(match request.strategy {
        Strategy::Bfs => collect(builder.spawn_bfs().join(), request, &config, start),
        Strategy::Dfs => collect(builder.spawn_dfs().join(), request, &config, start),
        Strategy::Random { seed } => collect(
            builder.spawn_simulation(seed, UniformChooser).join(),
            request,
            &config,
            start,
        ),
    })
}

/// Serves stateright's Explorer for `request` on `address`.
pub(crate) fn explore(request: &CheckRequest, address: &str) -> Result<(), ModelError> {
    let config = crate::check::resolve(&info(), request)?;
    drop(
        std::net::TcpListener::bind(address).map_err(|error| ModelError::Explorer {
            addr: address.to_owned(),
            error,
        })?,
    );
    build(&config)
        .checker()
        .threads(request.threads.max(1))
        .serve(address);
    Ok(())
}

fn collect<C: Checker<TimedLeaseLock>>(
    checker: C,
    request: &CheckRequest,
    config: &SpecConfig,
    start: Instant,
) -> CheckOutcome {
    let elapsed = start.elapsed();
    // Disarm before rebuilding paths: the replay must see every action again. A search the
    // cutoff drained is cut short, however it looks to stateright.
    let tripped = checker.model().cutoff.disarm();
    let discoveries = checker.discoveries();
    let properties = properties();
    let states_generated = checker.state_count();
    let all_decided = properties
        .iter()
        .all(|p| discoveries.contains_key(p.info.name));
    let end = if all_decided {
        SearchEnd::AllDecided
    } else if tripped.time || request.time_limit.is_some_and(|limit| elapsed >= limit) {
        SearchEnd::TimeLimit
    } else if tripped.states
        || request.max_states.is_some_and(|m| states_generated >= m)
        || !request.strategy.is_exhaustive()
    {
        SearchEnd::StateLimit
    } else if match &request.stop_when {
        StopWhen::AllDecided => false,
        StopWhen::FirstViolation => properties
            .iter()
            .any(|p| p.info.kind == PropertyKind::Always && discoveries.contains_key(p.info.name)),
        StopWhen::Decided(name) => discoveries.contains_key(name.as_str()),
    } {
        SearchEnd::TargetDecided
    } else {
        SearchEnd::Exhausted
    };
    let complete = end.is_complete();
    let outcomes = properties
        .iter()
        .map(|p| {
            let found = discoveries.get(p.info.name);
            let status = match (p.info.kind, found.is_some(), complete) {
                (PropertyKind::Always, true, _) => PropertyStatus::Violated,
                (PropertyKind::Always, false, true) => PropertyStatus::Holds,
                (PropertyKind::Sometimes, true, _) => PropertyStatus::ExampleFound,
                (PropertyKind::Sometimes, false, true) => PropertyStatus::NotFound,
                (_, false, false) => PropertyStatus::Unknown,
            };
            let triggered = |s: &TimedState| match p.info.kind {
                PropertyKind::Always => !(p.condition)(s),
                PropertyKind::Sometimes => (p.condition)(s),
            };
            PropertyOutcome {
                name: p.info.name,
                kind: p.info.kind,
                status,
                trace: found.map(|path| trace(path.clone(), triggered)),
            }
        })
        .collect();
    CheckOutcome {
        spec: NAME,
        bug: config.bug(),
        bug_violates: config.bug().map(|_| "fencing"),
        parameters: config.values().clone(),
        network: NetworkKind::Unordered,
        lossy: false,
        strategy: request.strategy,
        threads: request.threads,
        symmetry: false,
        properties: outcomes,
        states_generated,
        unique_states: checker.unique_state_count(),
        max_depth: checker.max_depth(),
        elapsed,
        end,
        verdict_cache: None,
    }
}

/// The path as a trace, cut at the first state where `stop_at` holds.
fn trace(path: Path<TimedState, TimedAction>, stop_at: impl Fn(&TimedState) -> bool) -> Trace {
    let mut pairs = path.into_vec();
    if let Some(first) = pairs.iter().position(|(s, _)| stop_at(s)) {
        pairs.truncate(first + 1);
    }
    let (first, _) = &pairs[0];
    let mut steps = vec![Step {
        number: 0,
        event: StepEvent::Start,
        changes: vec![Change {
            node: NodeId::Node(0),
            field: "clock rates (%: n0, c0, c1, …)".into(),
            before: String::new(),
            after: format!("{:?}", first.rates),
        }],
        sent: Vec::new(),
        history: Vec::new(),
    }];
    for (k, window) in pairs.windows(2).enumerate() {
        let ((before, action), (after, _)) = (&window[0], &window[1]);
        let Some(action) = action else { break };
        steps.push(Step {
            number: k + 1,
            event: event(before, action),
            changes: changes(before, after),
            sent: sent(before, after),
            history: Vec::new(),
        });
    }
    Trace {
        steps,
        history: Vec::new(),
    }
}

fn event(state: &TimedState, action: &TimedAction) -> StepEvent {
    match action {
        TimedAction::Tick => StepEvent::Tick { now: state.now + 1 },
        TimedAction::Ask(c) => StepEvent::Local {
            node: NodeId::client(*c),
            what: "sends acquire".into(),
        },
        TimedAction::Write(c) => {
            let (token, sent_at) = match state.clients[*c] {
                TimedClient::Holding { token, sent_at } => (token, sent_at),
                _ => (0, 0),
            };
            let rate = state.rates[c + 1];
            StepEvent::Local {
                node: NodeId::client(*c),
                what: format!(
                    "writes with token {token}: its clock (rate {rate}%) says {:.2} ticks since \
                     its acquire, within its validity",
                    ((state.now - sent_at) * rate) as f64 / 100.0
                ),
            }
        }
        TimedAction::Expire => StepEvent::Timer {
            node: NodeId::Node(0),
            timer: format!("LeaseExpiry (clock rate {}%)", state.rates[0]),
        },
        TimedAction::Deliver(m) => {
            let (from, to) = ends(m);
            StepEvent::Deliver {
                from,
                to,
                msg: format!("{:?} (sent at t = {})", m.msg, m.sent_at),
            }
        }
    }
}

fn ends(m: &InFlight) -> (NodeId, NodeId) {
    match m.msg {
        TimedMsg::Acquire { client } => (NodeId::client(client), NodeId::Node(0)),
        TimedMsg::Grant { client, .. } => (NodeId::Node(0), NodeId::client(client)),
        TimedMsg::Write { client, .. } => (NodeId::client(client), NodeId::Node(1)),
    }
}

fn changes(before: &TimedState, after: &TimedState) -> Vec<Change> {
    let mut out = Vec::new();
    let mut note = |node: NodeId, field: &str, a: String, b: String| {
        if a != b {
            out.push(Change {
                node,
                field: field.into(),
                before: a,
                after: b,
            });
        }
    };
    let lock = NodeId::Node(0);
    let storage = NodeId::Node(1);
    note(
        lock,
        "holder",
        format!("{:?}", before.holder),
        format!("{:?}", after.holder),
    );
    note(
        lock,
        "waiting",
        format!("{:?}", before.waiting),
        format!("{:?}", after.waiting),
    );
    note(
        storage,
        "writes",
        format!("{:?}", before.writes),
        format!("{:?}", after.writes),
    );
    note(
        storage,
        "rejected",
        before.rejected.to_string(),
        after.rejected.to_string(),
    );
    for (c, (a, b)) in before.clients.iter().zip(&after.clients).enumerate() {
        note(NodeId::client(c), "", format!("{a:?}"), format!("{b:?}"));
    }
    out
}

fn sent(before: &TimedState, after: &TimedState) -> Vec<Sent> {
    after
        .network
        .iter()
        .filter(|m| m.sent_at == after.now)
        .filter(|m| {
            let was = before.network.iter().filter(|x| x == m).count();
            let is = after.network.iter().filter(|x| x == m).count();
            is > was
        })
        .map(|m| {
            let (from, to) = ends(m);
            Sent {
                from,
                to,
                msg: format!("{:?}", m.msg),
            }
        })
        .collect()
}
