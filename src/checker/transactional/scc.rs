//! Strongly connected components: Tarjan's algorithm, iterative.
//!
//! petgraph's `tarjan_scc` recurses once per vertex on a path, and a history's process order
//! alone is a path of 10^6 transactions: that overflows the stack. This is the same algorithm
//! with an explicit stack, over any successor function, so it also runs on product graphs and
//! filtered views without building them (`tests` checks it against petgraph's on random graphs).
//! Components come out in reverse topological order: for an edge `a → b` between components,
//! `comp[a] > comp[b]`.

/// "Not visited" / "in no component".
pub const NONE: u32 = u32::MAX;

/// The components of a graph.
#[derive(Debug)]
pub struct Sccs {
    /// Component of each vertex ([`NONE`] for vertices not reached from the roots).
    pub comp: Vec<u32>,
    /// Number of components.
    pub count: u32,
}

impl Sccs {
    /// The vertices of each component with at least two vertices, smallest first.
    pub fn nontrivial(&self) -> Vec<Vec<u32>> {
        let mut sizes = vec![0u32; self.count as usize];
        for &c in &self.comp {
            if c != NONE {
                sizes[c as usize] += 1;
            }
        }
        let mut groups: Vec<Vec<u32>> = vec![Vec::new(); self.count as usize];
        for (v, &c) in self.comp.iter().enumerate() {
            if c != NONE && sizes[c as usize] >= 2 {
                groups[c as usize].push(v as u32);
            }
        }
        let mut out: Vec<Vec<u32>> = groups.into_iter().filter(|g| !g.is_empty()).collect();
        out.sort_by_key(|g| (g.len(), g[0]));
        out
    }
}

/// Tarjan's SCCs of the graph on `0..n` whose successors are `succ(v)`, exploring from `roots`.
pub fn tarjan<I, F>(n: usize, roots: impl IntoIterator<Item = u32>, succ: F) -> Sccs
where
    I: Iterator<Item = u32>,
    F: Fn(u32) -> I,
{
    let mut index = vec![NONE; n];
    let mut low = vec![0u32; n];
    let mut on_stack = vec![false; n];
    let mut comp = vec![NONE; n];
    let mut stack: Vec<u32> = Vec::new();
    let mut frames: Vec<(u32, I)> = Vec::new();
    let mut counter = 0u32;
    let mut count = 0u32;
    for root in roots {
        if index[root as usize] != NONE {
            continue;
        }
        index[root as usize] = counter;
        low[root as usize] = counter;
        counter += 1;
        stack.push(root);
        on_stack[root as usize] = true;
        frames.push((root, succ(root)));
        while let Some((v, iter)) = frames.last_mut() {
            let v = *v;
            match iter.next() {
                Some(w) => {
                    let wi = w as usize;
                    if index[wi] == NONE {
                        index[wi] = counter;
                        low[wi] = counter;
                        counter += 1;
                        stack.push(w);
                        on_stack[wi] = true;
                        frames.push((w, succ(w)));
                    } else if on_stack[wi] && index[wi] < low[v as usize] {
                        low[v as usize] = index[wi];
                    }
                }
                None => {
                    frames.pop();
                    let vi = v as usize;
                    if low[vi] == index[vi] {
                        while let Some(w) = stack.pop() {
                            on_stack[w as usize] = false;
                            comp[w as usize] = count;
                            if w == v {
                                break;
                            }
                        }
                        count += 1;
                    }
                    if let Some((parent, _)) = frames.last() {
                        let p = *parent as usize;
                        if low[vi] < low[p] {
                            low[p] = low[vi];
                        }
                    }
                }
            }
        }
    }
    Sccs { comp, count }
}

/// The components with at least two vertices of the graph on `0..n` with `edges`.
pub fn nontrivial(n: usize, edges: &[(u32, u32)]) -> Vec<Vec<u32>> {
    let mut start = vec![0u32; n + 1];
    for &(a, _) in edges {
        start[a as usize + 1] += 1;
    }
    for i in 0..n {
        start[i + 1] += start[i];
    }
    let mut fill = start.clone();
    let mut targets = vec![0u32; edges.len()];
    for &(a, b) in edges {
        targets[fill[a as usize] as usize] = b;
        fill[a as usize] += 1;
    }
    let sccs = tarjan(n, 0..n as u32, |v| {
        targets[start[v as usize] as usize..start[v as usize + 1] as usize]
            .iter()
            .copied()
    });
    sccs.nontrivial()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};

    fn sorted(mut groups: Vec<Vec<u32>>) -> Vec<Vec<u32>> {
        for g in &mut groups {
            g.sort_unstable();
        }
        groups.sort();
        groups
    }

    #[test]
    fn agrees_with_petgraph_on_random_graphs() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
        for _ in 0..300 {
            let n = rng.gen_range(1..30usize);
            let m = rng.gen_range(0..3 * n);
            let edges: Vec<(u32, u32)> = (0..m)
                .map(|_| (rng.gen_range(0..n) as u32, rng.gen_range(0..n) as u32))
                .filter(|(a, b)| a != b)
                .collect();
            let mut g = petgraph::graph::DiGraph::<(), ()>::new();
            let nodes: Vec<_> = (0..n).map(|_| g.add_node(())).collect();
            for &(a, b) in &edges {
                g.add_edge(nodes[a as usize], nodes[b as usize], ());
            }
            let theirs: Vec<Vec<u32>> = petgraph::algo::tarjan_scc(&g)
                .into_iter()
                .filter(|c| c.len() >= 2)
                .map(|c| c.into_iter().map(|x| x.index() as u32).collect())
                .collect();
            assert_eq!(sorted(nontrivial(n, &edges)), sorted(theirs), "{edges:?}");
        }
    }

    #[test]
    fn a_path_of_a_million_vertices_does_not_overflow_the_stack() {
        let n = 1_000_000u32;
        let mut edges: Vec<(u32, u32)> = (0..n - 1).map(|v| (v, v + 1)).collect();
        edges.push((n - 1, 0));
        let groups = nontrivial(n as usize, &edges);
        assert_eq!(groups.len(), 1);
        assert_eq!(groups[0].len(), n as usize);
    }

    #[test]
    fn components_come_out_sinks_first() {
        let edges = [(0, 1), (1, 0), (1, 2), (2, 3), (3, 2)];
        let mut start = [0u32; 5];
        let mut t: Vec<Vec<u32>> = vec![Vec::new(); 4];
        for &(a, b) in &edges {
            t[a as usize].push(b);
            start[a as usize + 1] += 1;
        }
        let sccs = tarjan(4, 0..4, |v| t[v as usize].clone().into_iter());
        assert!(sccs.comp[0] > sccs.comp[2]);
        assert_eq!(sccs.comp[0], sccs.comp[1]);
    }
}
