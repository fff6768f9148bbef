//! [`Links`]: what happens to one message, decided from the options, the active faults and the
//! network's RNG. Pure: no clock, no I/O.

use std::time::Duration;

use rand::Rng;

use crate::runner::nemesis::Grudge;
use crate::runner::plan::{LatencyDist, NetOptions};
use crate::runner::protocol::Endpoint;

/// The fate of a message at send time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Fate {
    /// Lost.
    Lost,
    /// Delivered after this delay.
    Deliver(Duration),
    /// Delivered twice, after each delay.
    Duplicate(Duration, Duration),
}

/// Standing options plus the faults the nemesis has switched on.
#[derive(Clone, Debug)]
pub(crate) struct Links {
    options: NetOptions,
    grudge: Option<Grudge>,
    loss: Option<(Vec<usize>, f64)>,
    slow: Option<(Vec<usize>, Duration)>,
}

impl Links {
    pub(crate) fn new(options: NetOptions) -> Links {
        Links {
            options,
            grudge: None,
            loss: None,
            slow: None,
        }
    }

    pub(crate) fn set_grudge(&mut self, grudge: Option<Grudge>) {
        self.grudge = grudge;
    }

    pub(crate) fn set_loss(&mut self, loss: Option<(Vec<usize>, f64)>) {
        self.loss = loss;
    }

    pub(crate) fn set_slow(&mut self, slow: Option<(Vec<usize>, Duration)>) {
        self.slow = slow;
    }

    /// Decides the fate of a message from `from` to `dest` when it is sent.
    pub(crate) fn on_send(&self, from: Endpoint, dest: Endpoint, rng: &mut impl Rng) -> Fate {
        use Endpoint::*;
        match (from, dest) {
            (Client(_), _) | (_, Client(_)) => Fate::Deliver(Duration::ZERO),
            (Node(a), Node(b)) => {
                let o = &self.options;
                if chance(rng, o.loss) {
                    return Fate::Lost;
                }
                if let Some((targets, p)) = &self.loss {
                    if (targets.contains(&a) || targets.contains(&b)) && chance(rng, *p) {
                        return Fate::Lost;
                    }
                }
                let first = self.delay(a, Some(b), rng);
                if chance(rng, o.duplicate) {
                    let second = self.delay(a, Some(b), rng);
                    Fate::Duplicate(first, second)
                } else {
                    Fate::Deliver(first)
                }
            }
            (Node(a), Service(_)) | (Service(_), Node(a)) => {
                Fate::Deliver(self.delay(a, None, rng))
            }
            (Service(_), Service(_)) => Fate::Deliver(Duration::ZERO),
        }
    }

    /// Whether a loss or latency fault applies to a message from `from` to `dest`: `(loss,
    /// latency)`, for the evidence that each took effect.
    pub(crate) fn faulted(&self, from: Endpoint, dest: Endpoint) -> (bool, bool) {
        let (Endpoint::Node(a), Endpoint::Node(b)) = (from, dest) else {
            let one = match (from, dest) {
                (Endpoint::Node(a), Endpoint::Service(_))
                | (Endpoint::Service(_), Endpoint::Node(a)) => Some(a),
                _ => None,
            };
            let slowed =
                one.is_some_and(|a| self.slow.as_ref().is_some_and(|(t, _)| t.contains(&a)));
            return (false, slowed);
        };
        let hit = |targets: &[usize]| targets.contains(&a) || targets.contains(&b);
        (
            self.loss.as_ref().is_some_and(|(t, _)| hit(t)),
            self.slow.as_ref().is_some_and(|(t, _)| hit(t)),
        )
    }

    /// Whether a partition makes `dest` drop a message from `from` (checked on delivery).
    pub(crate) fn blocked(&self, from: Endpoint, dest: Endpoint) -> bool {
        match (&self.grudge, from, dest) {
            (Some(g), Endpoint::Node(a), Endpoint::Node(b)) => g.blocks(b, a),
            _ => false,
        }
    }

    fn delay(&self, a: usize, b: Option<usize>, rng: &mut impl Rng) -> Duration {
        let o = &self.options;
        let mut d = sample(o.latency, o.latency_dist, rng);
        if let Some((targets, extra)) = &self.slow {
            if targets.contains(&a) || b.is_some_and(|b| targets.contains(&b)) {
                d += *extra;
            }
        }
        if b.is_some() && chance(rng, o.reorder) {
            // Held back by up to twice the mean latency (at least 5 ms), so later messages on
            // the same link overtake it.
            let hold = (o.latency * 2).max(Duration::from_millis(5));
            d += hold.mul_f64(rng.gen_range(0.0..1.0));
        }
        d
    }
}

fn chance(rng: &mut impl Rng, p: f64) -> bool {
    p > 0.0 && (p >= 1.0 || rng.gen_bool(p))
}

/// A latency drawn from `dist` with mean `mean`.
pub(crate) fn sample(mean: Duration, dist: LatencyDist, rng: &mut impl Rng) -> Duration {
    if mean.is_zero() {
        return Duration::ZERO;
    }
    match dist {
        LatencyDist::Constant => mean,
        LatencyDist::Uniform => (mean * 2).mul_f64(rng.gen_range(0.0..1.0)),
        LatencyDist::Exponential => {
            let u: f64 = rng.gen_range(f64::EPSILON..1.0);
            mean.mul_f64((-u.ln()).min(50.0))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runner::nemesis::PartitionShape;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    fn options(latency_ms: u64, dist: LatencyDist) -> NetOptions {
        NetOptions {
            latency: Duration::from_millis(latency_ms),
            latency_dist: dist,
            ..NetOptions::default()
        }
    }

    #[test]
    fn clients_get_no_latency_and_no_faults() {
        let mut o = options(100, LatencyDist::Constant);
        o.loss = 1.0;
        let links = Links::new(o);
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let f = links.on_send(Endpoint::Client(1), Endpoint::Node(0), &mut rng);
        assert_eq!(f, Fate::Deliver(Duration::ZERO));
        let f = links.on_send(Endpoint::Node(0), Endpoint::Node(1), &mut rng);
        assert_eq!(f, Fate::Lost);
    }

    #[test]
    fn latency_distributions_have_the_requested_mean() {
        let mean = Duration::from_millis(10);
        for dist in LatencyDist::ALL {
            let mut rng = ChaCha8Rng::seed_from_u64(2);
            let n = 20_000;
            let total: f64 = (0..n)
                .map(|_| sample(mean, dist, &mut rng).as_secs_f64())
                .sum();
            let avg = total / n as f64;
            assert!((avg - 0.010).abs() < 0.0005, "{dist:?}: {avg}");
        }
    }

    #[test]
    fn partitions_block_nodes_but_never_services_or_clients() {
        let mut links = Links::new(NetOptions::default());
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        links.set_grudge(Some(PartitionShape::Halves.grudge(4, &mut rng)));
        assert!(links.blocked(Endpoint::Node(0), Endpoint::Node(3)));
        assert!(!links.blocked(Endpoint::Node(0), Endpoint::Node(1)));
        let lin_kv = Endpoint::Service(crate::runner::protocol::ServiceId::LinKv);
        assert!(!links.blocked(Endpoint::Node(0), lin_kv));
        assert!(!links.blocked(Endpoint::Client(0), Endpoint::Node(3)));
    }

    #[test]
    fn duplication_and_loss_faults_apply_to_targeted_links_only() {
        let mut links = Links::new(NetOptions {
            duplicate: 1.0,
            ..NetOptions::default()
        });
        let mut rng = ChaCha8Rng::seed_from_u64(4);
        assert!(matches!(
            links.on_send(Endpoint::Node(0), Endpoint::Node(1), &mut rng),
            Fate::Duplicate(..)
        ));
        links.set_loss(Some((vec![2], 1.0)));
        assert_eq!(
            links.on_send(Endpoint::Node(2), Endpoint::Node(1), &mut rng),
            Fate::Lost
        );
        assert!(matches!(
            links.on_send(Endpoint::Node(0), Endpoint::Node(1), &mut rng),
            Fate::Duplicate(..)
        ));
    }

    #[test]
    fn slow_links_add_their_extra_latency() {
        let mut links = Links::new(options(1, LatencyDist::Constant));
        links.set_slow(Some((vec![1], Duration::from_millis(50))));
        let mut rng = ChaCha8Rng::seed_from_u64(5);
        assert_eq!(
            links.on_send(Endpoint::Node(0), Endpoint::Node(1), &mut rng),
            Fate::Deliver(Duration::from_millis(51))
        );
        assert_eq!(
            links.on_send(Endpoint::Node(0), Endpoint::Node(2), &mut rng),
            Fate::Deliver(Duration::from_millis(1))
        );
    }
}
