//! Assigning the items of one territory to its chiefs.
//!
//! 1. The territory's walking graph is made connected: each piece of it is joined to the nearest
//!    item of the pieces before it (largest first), so that every item can be reached.
//! 2. A fresh territory (nothing kept) is cut by recursive bisection: a region is grown along the
//!    graph from one end of the items' main axis (which end: the seed) until it is worth, in
//!    chiefs, its share of the chiefs; the rest, less its stray pieces, is the other half; each
//!    half is cut again until one chief is left. An item heavier than the band's top is worth
//!    one whole chief, so it gets a chief of its own.
//! 3. Otherwise chiefs with nothing yet get a seed — the orphan farthest along the graph from
//!    everything held — and the orphans (new items, items of chiefs who left or whose
//!    territory changed) are grown onto the chiefs: the chief with the least work takes the
//!    orphan nearest (along the graph) to what they hold. A chief still empty takes one item
//!    from the busiest chief.
//! 4. Boundary moves: an item adjacent to another chief's items moves to them, together with
//!    whatever of its old area hangs on only through it (so that every area stays in one
//!    piece), when that lowers the score — a large penalty per unit of workload outside the
//!    band, the squared deviation from the mean (steeper beyond half the band) and, on a fresh
//!    territory, a small term for the distance to each area's centre. A fresh territory is
//!    polished in passes until nothing improves. Then, on every territory, moves are made only
//!    while a chief is outside the band: the best single move involving such a chief, else a
//!    chain of moves handing work along a path of neighbouring chiefs to one with room, else
//!    passes of balance-improving moves among the chiefs within reach.

use std::cell::RefCell;
use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap, HashSet};

use rand::Rng;
use rand_chacha::ChaCha8Rng;
use rstar::RTree;
use rstar::primitives::GeomWithData;

/// Penalty per squared (workload outside the band / mean).
const OUT_OF_BAND: f64 = 100.0;

/// Penalty per squared relative deviation beyond the inner band: balance is pursued harder than
/// compactness once a chief is more than half the band away from the mean.
const INNER_WEIGHT: f64 = 10.0;

/// The inner band, as a fraction of the band.
const INNER: f64 = 0.5;

/// The per-item share of the balance term, as a fraction of the mean item workload.
const ITEM_SHARE: f64 = 0.05;

/// Weight of the compactness term on a fresh territory: the score of moving an item by one
/// reference radius² (an area's mean squared radius) further from its chief's centre.
const COMPACTNESS: f64 = 0.002;

/// How many items a connectivity check may visit before it gives up (and refuses the move).
const CHECK_LIMIT: usize = 600;

/// Paths a chief outside the band tries per chain search.
const CHAIN_TRIES: usize = 12;

/// Passes of polishing at most.
const MAX_PASSES: usize = 80;

/// One territory's assignment problem, on local item indexes.
#[derive(Debug, Clone)]
pub(crate) struct Local {
    /// Workload of each item.
    pub weight: Vec<f64>,
    /// Point of each item, metres.
    pub xy: Vec<[f64; 2]>,
    /// Neighbours (local index, metres); connectors added by [`Local::connect`].
    pub adj: Vec<Vec<(usize, f64)>>,
    /// The chief slot holding each item.
    pub owner: Vec<Option<usize>>,
    /// Items that never move (fixed, or outside the scope).
    pub locked: Vec<bool>,
    /// How many chiefs.
    pub k: usize,
    /// The band half-width as a fraction of the mean.
    pub spread: f64,
    /// The mean the band is centred on (see [`target_mean`]).
    pub mean: f64,
    /// Items heavier than the band's top: whoever holds one is outside the band whatever
    /// happens; they are placed by growth and never moved after.
    pub oversized: Vec<bool>,
    /// Working memory of the connectivity checks.
    pub scratch: RefCell<Scratch>,
}

/// Reusable labels for the connectivity checks: no allocation per check.
#[derive(Debug, Clone, Default)]
pub(crate) struct Scratch {
    stamp: Vec<u32>,
    label: Vec<usize>,
    now: u32,
}

/// One check's labels over a [`Scratch`].
struct Labels<'a> {
    scratch: &'a mut Scratch,
}

impl<'a> Labels<'a> {
    fn new(scratch: &'a mut Scratch, n: usize) -> Self {
        if scratch.stamp.len() < n {
            scratch.stamp.resize(n, 0);
            scratch.label.resize(n, 0);
        }
        scratch.now = scratch.now.wrapping_add(1);
        if scratch.now == 0 {
            scratch.stamp.fill(0);
            scratch.now = 1;
        }
        Labels { scratch }
    }

    fn insert(&mut self, v: usize, label: usize) {
        self.scratch.stamp[v] = self.scratch.now;
        self.scratch.label[v] = label;
    }

    fn get(&self, v: usize) -> Option<usize> {
        (self.scratch.stamp[v] == self.scratch.now).then(|| self.scratch.label[v])
    }
}

/// The mean workload the band is centred on: the territory's workload over its chiefs, leaving
/// out every item heavier than the band's top together with one chief for it (repeatedly, as
/// leaving one out lowers the mean), but keeping at least one chief. Without oversized items it
/// is the plain mean.
pub(crate) fn target_mean(weights: &[f64], chiefs: usize, spread: f64) -> f64 {
    let mut sorted = weights.to_vec();
    sorted.sort_by(|a, b| b.total_cmp(a));
    let mut total: f64 = sorted.iter().sum();
    let mut k = chiefs.max(1);
    for w in sorted {
        if k > 1 && w > (1.0 + spread) * total / k as f64 {
            total -= w;
            k -= 1;
        } else {
            break;
        }
    }
    total / k as f64
}

/// Totals kept up to date while items move.
#[derive(Debug, Clone)]
struct State {
    load: Vec<f64>,
    count: Vec<usize>,
    sx: Vec<f64>,
    sy: Vec<f64>,
    mean: f64,
    /// Squared reference radius of one chief's area, m².
    r2: f64,
    /// Whether the compactness term counts.
    compact: bool,
    /// The band half-width as a fraction of the mean.
    spread: f64,
    /// A small workload per item for the balance term only, so that items of no workload
    /// (buildings without households) still drift from busy chiefs to idle ones instead of
    /// walling a busy area in.
    eps: f64,
    /// The mean of load + eps × count.
    emean: f64,
    /// Workload of the oversized items each chief holds: such a chief's target is exactly that.
    pinned: Vec<f64>,
}

impl Local {
    /// Solves the territory in place: every item ends with an owner (when there is a chief).
    pub fn solve(&mut self, fresh: bool, rng: &mut ChaCha8Rng) {
        let n = self.weight.len();
        if n == 0 || self.k == 0 {
            return;
        }
        self.connect();
        if fresh && self.owner.iter().all(Option::is_none) {
            let all: Vec<usize> = (0..n).collect();
            let slots: Vec<usize> = (0..self.k).collect();
            let value = self.values();
            let mut mark = vec![0u32; n];
            let mut generation = 0;
            self.bisect(all, &slots, &value, &mut mark, &mut generation, rng);
        } else {
            self.seed();
        }
        self.grow();
        // Anything unreachable (cannot happen on a connected graph, but stay total).
        for i in 0..n {
            if self.owner[i].is_none() {
                let s = self.lightest();
                self.owner[i] = Some(s);
            }
        }
        self.fill_empty();
        let mut state = self.state(fresh);
        if fresh {
            self.polish(&mut state, rng);
        }
        self.band(&mut state);
    }

    /// What each item is worth in chiefs: its workload over the target mean, or one whole chief
    /// for an oversized item (plus a trace per item, so that items of no workload spread too).
    fn values(&self) -> Vec<f64> {
        let per_item = 1e-3;
        self.weight
            .iter()
            .zip(&self.oversized)
            .map(|(&w, &big)| {
                if big {
                    1.0
                } else if self.mean > 0.0 {
                    w / self.mean + per_item
                } else {
                    per_item
                }
            })
            .collect()
    }

    /// Recursive bisection of a fresh territory: `items` are split in two by growing a region
    /// along the walking graph from one end of their main axis until it is worth (in chiefs)
    /// the share of the first half of `slots`; pieces the rest falls into, apart from its
    /// largest, join the grown half. Each half is split again until one chief is left.
    fn bisect(
        &mut self,
        items: Vec<usize>,
        slots: &[usize],
        value: &[f64],
        mark: &mut [u32],
        generation: &mut u32,
        rng: &mut ChaCha8Rng,
    ) {
        if items.is_empty() || slots.is_empty() {
            return;
        }
        if slots.len() == 1 {
            for i in items {
                self.owner[i] = Some(slots[0]);
            }
            return;
        }
        let k = slots.len();
        let k1 = k / 2;
        let total: f64 = items.iter().map(|&i| value[i]).sum();
        let goal = total * k1 as f64 / k as f64;
        *generation += 1;
        let here = *generation;
        for &i in &items {
            mark[i] = here;
        }
        // The main axis of the points, and the item at one end of it.
        let m = items.len() as f64;
        let cx = items.iter().map(|&i| self.xy[i][0]).sum::<f64>() / m;
        let cy = items.iter().map(|&i| self.xy[i][1]).sum::<f64>() / m;
        let (mut sxx, mut sxy, mut syy) = (0.0, 0.0, 0.0);
        for &i in &items {
            let (dx, dy) = (self.xy[i][0] - cx, self.xy[i][1] - cy);
            sxx += dx * dx;
            sxy += dx * dy;
            syy += dy * dy;
        }
        let angle = 0.5 * (2.0 * sxy).atan2(sxx - syy);
        let sign = if rng.random_bool(0.5) { 1.0 } else { -1.0 };
        let (ax, ay) = (sign * angle.cos(), sign * angle.sin());
        let start = items
            .iter()
            .copied()
            .min_by(|&a, &b| {
                let pa = self.xy[a][0] * ax + self.xy[a][1] * ay;
                let pb = self.xy[b][0] * ax + self.xy[b][1] * ay;
                pa.total_cmp(&pb).then(a.cmp(&b))
            })
            .unwrap_or(items[0]);
        // Grow from it along the graph, nearest first.
        let mut dist: HashMap<usize, f64> = HashMap::new();
        let mut heap = BinaryHeap::new();
        let mut order: Vec<usize> = Vec::new();
        let mut taken: HashSet<usize> = HashSet::new();
        dist.insert(start, 0.0);
        heap.push(Reverse((Ordered(0.0), start)));
        while let Some(Reverse((Ordered(d), v))) = heap.pop() {
            if !taken.insert(v) {
                continue;
            }
            order.push(v);
            for &(w, l) in &self.adj[v] {
                if mark[w] == here && !taken.contains(&w) {
                    let nd = d + l;
                    if dist.get(&w).is_none_or(|&old| nd < old) {
                        dist.insert(w, nd);
                        heap.push(Reverse((Ordered(nd), w)));
                    }
                }
            }
        }
        let mut cut = 0;
        let mut sum = 0.0;
        let mut best = f64::INFINITY;
        for (at, &v) in order.iter().enumerate() {
            sum += value[v];
            let miss = (sum - goal).abs();
            if miss < best {
                best = miss;
                cut = at + 1;
            }
        }
        let mut first: Vec<usize> = order[..cut.min(order.len())].to_vec();
        let in_first: HashSet<usize> = first.iter().copied().collect();
        let rest: Vec<usize> = items
            .iter()
            .copied()
            .filter(|i| !in_first.contains(i))
            .collect();
        // The rest's pieces: the largest stays, the others join the first half.
        *generation += 1;
        let rest_mark = *generation;
        for &i in &rest {
            mark[i] = rest_mark;
        }
        let mut pieces: Vec<Vec<usize>> = Vec::new();
        let mut seen: HashSet<usize> = HashSet::new();
        for &s in &rest {
            if !seen.insert(s) {
                continue;
            }
            let mut piece = vec![s];
            let mut at = 0;
            while at < piece.len() {
                let v = piece[at];
                at += 1;
                for &(w, _) in &self.adj[v] {
                    if mark[w] == rest_mark && seen.insert(w) {
                        piece.push(w);
                    }
                }
            }
            pieces.push(piece);
        }
        let main = (0..pieces.len()).max_by(|&a, &b| {
            let va: f64 = pieces[a].iter().map(|&i| value[i]).sum();
            let vb: f64 = pieces[b].iter().map(|&i| value[i]).sum();
            va.total_cmp(&vb).then(b.cmp(&a))
        });
        let mut second = Vec::new();
        for (p, piece) in pieces.into_iter().enumerate() {
            if Some(p) == main {
                second = piece;
            } else {
                first.extend(piece);
            }
        }
        first.sort_unstable();
        second.sort_unstable();
        // The halves' chiefs, in proportion to what they ended up worth.
        let worth: f64 = first.iter().map(|&i| value[i]).sum();
        let k1 = if total > 0.0 {
            ((worth / total * k as f64).round() as usize).clamp(1, k - 1)
        } else {
            k1.max(1)
        };
        self.bisect(first, &slots[..k1], value, mark, generation, rng);
        self.bisect(second, &slots[k1..], value, mark, generation, rng);
    }

    /// Joins the pieces of the graph so that it is connected.
    fn connect(&mut self) {
        let n = self.weight.len();
        let mut component = vec![usize::MAX; n];
        let mut pieces: Vec<Vec<usize>> = Vec::new();
        for start in 0..n {
            if component[start] != usize::MAX {
                continue;
            }
            let id = pieces.len();
            component[start] = id;
            let mut members = vec![start];
            let mut at = 0;
            while at < members.len() {
                let v = members[at];
                at += 1;
                for &(w, _) in &self.adj[v] {
                    if component[w] == usize::MAX {
                        component[w] = id;
                        members.push(w);
                    }
                }
            }
            pieces.push(members);
        }
        if pieces.len() < 2 {
            return;
        }
        pieces.sort_by(|a, b| b.len().cmp(&a.len()).then(a[0].cmp(&b[0])));
        let mut tree: RTree<GeomWithData<[f64; 2], usize>> = RTree::bulk_load(
            pieces[0]
                .iter()
                .map(|&v| GeomWithData::new(self.xy[v], v))
                .collect(),
        );
        for piece in &pieces[1..] {
            let mut best: Option<(f64, usize, usize)> = None;
            for &v in piece {
                if let Some((o, d2)) = tree
                    .nearest_neighbor_iter_with_distance_2(&self.xy[v])
                    .next()
                    && best.is_none_or(|b| d2 < b.0)
                {
                    best = Some((d2, v, o.data));
                }
            }
            if let Some((d2, v, w)) = best {
                let d = d2.sqrt().max(1.0);
                self.adj[v].push((w, d));
                self.adj[w].push((v, d));
            }
            for &v in piece {
                tree.insert(GeomWithData::new(self.xy[v], v));
            }
        }
    }

    /// Gives each chief without items a seed: the orphan farthest along the graph from
    /// everything held.
    fn seed(&mut self) {
        let n = self.weight.len();
        let mut empty: Vec<usize> = (0..self.k).collect();
        let mut held = vec![false; self.k];
        for s in self.owner.iter().flatten() {
            held[*s] = true;
        }
        empty.retain(|&s| !held[s]);
        let orphans: Vec<usize> = (0..n).filter(|&i| self.owner[i].is_none()).collect();
        if empty.is_empty() || orphans.is_empty() {
            return;
        }
        // Farthest orphan along the graph from everything held, one chief at a time.
        for slot in empty {
            let dist = self.distances_from_held();
            let far = (0..n)
                .filter(|&i| self.owner[i].is_none())
                .max_by(|&a, &b| dist[a].total_cmp(&dist[b]).then(b.cmp(&a)));
            match far {
                Some(i) => self.owner[i] = Some(slot),
                None => break,
            }
        }
    }

    /// Graph distance from the nearest held item to every item (infinite when none is held).
    fn distances_from_held(&self) -> Vec<f64> {
        let n = self.weight.len();
        let mut dist = vec![f64::INFINITY; n];
        let mut heap = BinaryHeap::new();
        for (i, d) in dist.iter_mut().enumerate() {
            if self.owner[i].is_some() {
                *d = 0.0;
                heap.push(Reverse((Ordered(0.0), i)));
            }
        }
        while let Some(Reverse((Ordered(d), v))) = heap.pop() {
            if d > dist[v] {
                continue;
            }
            for &(w, l) in &self.adj[v] {
                if d + l < dist[w] {
                    dist[w] = d + l;
                    heap.push(Reverse((Ordered(d + l), w)));
                }
            }
        }
        dist
    }

    /// Grows the orphans onto the chiefs, least-loaded chief first, nearest orphan first.
    fn grow(&mut self) {
        let n = self.weight.len();
        let mean_weight = self.weight.iter().sum::<f64>() / n as f64;
        // A small charge per item, so a chief does not run through a field of empty buildings.
        let per_item = 0.25 * mean_weight;
        let mut load = vec![0.0; self.k];
        let mut heaps: Vec<BinaryHeap<Reverse<(Ordered, usize)>>> = vec![BinaryHeap::new(); self.k];
        for v in 0..n {
            if let Some(s) = self.owner[v] {
                load[s] += self.weight[v] + per_item;
                for &(w, l) in &self.adj[v] {
                    if self.owner[w].is_none() {
                        heaps[s].push(Reverse((Ordered(l), w)));
                    }
                }
            }
        }
        loop {
            let mut pick: Option<usize> = None;
            for s in 0..self.k {
                while let Some(Reverse((_, w))) = heaps[s].peek() {
                    if self.owner[*w].is_some() {
                        heaps[s].pop();
                    } else {
                        break;
                    }
                }
                if !heaps[s].is_empty() && pick.is_none_or(|p| load[s] < load[p]) {
                    pick = Some(s);
                }
            }
            let Some(s) = pick else { break };
            let Some(Reverse((Ordered(d), v))) = heaps[s].pop() else {
                break;
            };
            self.owner[v] = Some(s);
            load[s] += self.weight[v] + per_item;
            for &(w, l) in &self.adj[v] {
                if self.owner[w].is_none() {
                    heaps[s].push(Reverse((Ordered(d + l), w)));
                }
            }
        }
    }

    /// The chief slot with the least workload.
    fn lightest(&self) -> usize {
        let mut load = vec![0.0; self.k];
        for (o, w) in self.owner.iter().zip(&self.weight) {
            if let Some(s) = o {
                load[*s] += w;
            }
        }
        (0..self.k)
            .min_by(|&a, &b| load[a].total_cmp(&load[b]).then(a.cmp(&b)))
            .unwrap_or(0)
    }

    /// A chief still without items takes one from the busiest chief that can spare one.
    fn fill_empty(&mut self) {
        loop {
            let state = self.state(false);
            let Some(empty) = (0..self.k).find(|&s| state.count[s] == 0) else {
                return;
            };
            let mut donors: Vec<usize> = (0..self.k).filter(|&s| state.count[s] > 1).collect();
            donors.sort_by(|&a, &b| state.load[b].total_cmp(&state.load[a]).then(a.cmp(&b)));
            let mut given = false;
            'donors: for a in donors {
                let c = state.centroid(a);
                let mut candidates: Vec<usize> = (0..self.weight.len())
                    .filter(|&i| self.owner[i] == Some(a) && !self.locked[i] && !self.oversized[i])
                    .collect();
                candidates.sort_by(|&x, &y| {
                    dist2(self.xy[y], c)
                        .total_cmp(&dist2(self.xy[x], c))
                        .then(x.cmp(&y))
                });
                for i in candidates {
                    if self.detach(i, a).is_some_and(|g| g.len() == 1) {
                        self.owner[i] = Some(empty);
                        given = true;
                        break 'donors;
                    }
                }
            }
            if !given {
                return;
            }
        }
    }

    fn state(&self, compact: bool) -> State {
        let mut st = State {
            load: vec![0.0; self.k],
            count: vec![0; self.k],
            sx: vec![0.0; self.k],
            sy: vec![0.0; self.k],
            mean: 0.0,
            r2: 1.0,
            compact,
            spread: self.spread,
            eps: 0.0,
            emean: 0.0,
            pinned: vec![0.0; self.k],
        };
        let n = self.weight.len();
        let (mut cx, mut cy) = (0.0, 0.0);
        for i in 0..n {
            cx += self.xy[i][0];
            cy += self.xy[i][1];
            if let Some(s) = self.owner[i] {
                st.load[s] += self.weight[i];
                st.count[s] += 1;
                st.sx[s] += self.xy[i][0];
                st.sy[s] += self.xy[i][1];
                if self.oversized[i] {
                    st.pinned[s] += self.weight[i];
                }
            }
        }
        let total: f64 = self.weight.iter().sum();
        st.mean = self.mean;
        st.eps = ITEM_SHARE * total / n.max(1) as f64;
        st.emean = st.mean + st.eps * n as f64 / self.k as f64;
        if n > 0 {
            let c = [cx / n as f64, cy / n as f64];
            let msd = self.xy.iter().map(|p| dist2(*p, c)).sum::<f64>() / n as f64;
            st.r2 = (msd / self.k as f64).max(1.0);
        }
        st
    }

    /// What has to move with item `i` if it leaves chief `a`: `i` itself and every piece of
    /// `a`'s area that hangs on only through `i` — all pieces but the heaviest, which stays (or
    /// but the one too large to search through). `None` when that cannot be decided within the
    /// search bound, or a locked item would have to move, or nothing would be left to `a`.
    fn detach(&self, i: usize, a: usize) -> Option<Vec<usize>> {
        let mut starts: Vec<usize> = self.adj[i]
            .iter()
            .map(|&(w, _)| w)
            .filter(|&w| self.owner[w] == Some(a))
            .collect();
        starts.sort_unstable();
        starts.dedup();
        if starts.len() <= 1 {
            return Some(vec![i]);
        }
        // Label the pieces from each start in turn; a search that runs into an earlier,
        // unfinished piece belongs to it.
        let mut scratch = self.scratch.borrow_mut();
        let mut label = Labels::new(&mut scratch, self.weight.len());
        label.insert(i, usize::MAX);
        struct Piece {
            members: Vec<usize>,
            complete: bool,
            joined: bool,
        }
        let mut pieces: Vec<Piece> = Vec::new();
        for &s in &starts {
            if label.get(s).is_some() {
                continue;
            }
            let id = pieces.len();
            label.insert(s, id);
            let mut piece = Piece {
                members: vec![s],
                complete: true,
                joined: false,
            };
            let mut at = 0;
            'search: while at < piece.members.len() {
                if piece.members.len() > CHECK_LIMIT {
                    piece.complete = false;
                    break;
                }
                let v = piece.members[at];
                at += 1;
                for &(w, _) in &self.adj[v] {
                    if self.owner[w] != Some(a) {
                        continue;
                    }
                    match label.get(w) {
                        None => {
                            label.insert(w, id);
                            piece.members.push(w);
                        }
                        Some(other) if other != id && other != usize::MAX => {
                            piece.joined = true;
                            break 'search;
                        }
                        Some(_) => {}
                    }
                }
                if id == 0 && starts.iter().all(|&s| label.get(s) == Some(0)) {
                    return Some(vec![i]);
                }
            }
            pieces.push(piece);
        }
        let roots: Vec<&Piece> = pieces.iter().filter(|p| !p.joined).collect();
        if roots.len() <= 1 {
            return Some(vec![i]);
        }
        let open = roots.iter().filter(|p| !p.complete).count();
        if open > 1 {
            return None;
        }
        let weight = |p: &Piece| p.members.iter().map(|&v| self.weight[v]).sum::<f64>();
        let stays = if open == 1 {
            roots.iter().position(|p| !p.complete)
        } else {
            (0..roots.len()).max_by(|&x, &y| {
                weight(roots[x])
                    .total_cmp(&weight(roots[y]))
                    .then(roots[x].members.len().cmp(&roots[y].members.len()))
                    .then(y.cmp(&x))
            })
        }?;
        let mut group = vec![i];
        for (r, piece) in roots.iter().enumerate() {
            if r != stays {
                group.extend_from_slice(&piece.members);
            }
        }
        if group.iter().any(|&v| self.locked[v] || self.oversized[v]) {
            return None;
        }
        Some(group)
    }

    /// The change of score if `group` moves from `a` to `b`: (balance part, compactness part).
    fn delta(&self, st: &State, group: &[usize], a: usize, b: usize) -> (f64, f64) {
        let w: f64 = group.iter().map(|&v| self.weight[v]).sum();
        let m = group.len();
        let (la, lb) = (st.load[a], st.load[b]);
        let (na, nb) = (st.count[a], st.count[b]);
        let balance = st.cost(a, la - w, na.saturating_sub(m)) + st.cost(b, lb + w, nb + m)
            - st.cost(a, la, na)
            - st.cost(b, lb, nb);
        if !st.compact {
            return (balance, 0.0);
        }
        let (gx, gy) = group.iter().fold((0.0, 0.0), |(x, y), &v| {
            (x + self.xy[v][0], y + self.xy[v][1])
        });
        let rest = na.saturating_sub(m);
        let ca = (rest > 0).then(|| [(st.sx[a] - gx) / rest as f64, (st.sy[a] - gy) / rest as f64]);
        let cb = (nb > 0).then(|| st.centroid(b));
        let mut change = 0.0;
        if let (Some(ca), Some(cb)) = (ca, cb) {
            for &v in group {
                change += dist2(self.xy[v], cb) - dist2(self.xy[v], ca);
            }
        }
        (balance, COMPACTNESS * change / st.r2)
    }

    fn apply(&mut self, st: &mut State, group: &[usize], a: usize, b: usize) {
        for &v in group {
            let (w, p) = (self.weight[v], self.xy[v]);
            st.load[a] -= w;
            st.load[b] += w;
            st.count[a] -= 1;
            st.count[b] += 1;
            st.sx[a] -= p[0];
            st.sy[a] -= p[1];
            st.sx[b] += p[0];
            st.sy[b] += p[1];
            self.owner[v] = Some(b);
        }
    }

    /// The chiefs holding neighbours of `i`, other than `a`.
    fn neighbour_owners(&self, i: usize, a: usize) -> Vec<usize> {
        let mut out: Vec<usize> = self.adj[i]
            .iter()
            .filter_map(|&(w, _)| self.owner[w])
            .filter(|&s| s != a)
            .collect();
        out.sort_unstable();
        out.dedup();
        out
    }

    /// The best move of item `i` (with what hangs on it) to a neighbouring chief, if any lowers
    /// the score: (score change, group, from, to). `only` limits the chiefs that may take part;
    /// `balance_only` asks for a lower balance part regardless of compactness.
    fn best_move(
        &self,
        st: &State,
        i: usize,
        only: Option<&[bool]>,
        balance_only: bool,
    ) -> Option<(f64, Vec<usize>, usize, usize)> {
        if self.locked[i] || self.oversized[i] {
            return None;
        }
        let a = self.owner[i]?;
        let takers: Vec<usize> = self
            .neighbour_owners(i, a)
            .into_iter()
            .filter(|&b| only.is_none_or(|o| o[a] || o[b]))
            .collect();
        if takers.is_empty() || st.count[a] <= 1 {
            return None;
        }
        let group = self.detach(i, a)?;
        if group.len() >= st.count[a] {
            return None;
        }
        let mut best: Option<(f64, usize)> = None;
        for b in takers {
            let (bal, comp) = self.delta(st, &group, a, b);
            let (ok, score) = if balance_only {
                (bal < -1e-12, bal + comp * 1e-3)
            } else {
                (bal + comp < -1e-12, bal + comp)
            };
            if ok && best.is_none_or(|x| score < x.0) {
                best = Some((score, b));
            }
        }
        best.map(|(score, b)| (score, group, a, b))
    }

    /// Passes of improving boundary moves until none is left.
    fn polish(&mut self, st: &mut State, rng: &mut ChaCha8Rng) {
        let n = self.weight.len();
        let mut order: Vec<usize> = (0..n).filter(|&i| !self.locked[i]).collect();
        for i in (1..order.len()).rev() {
            let j = rng.random_range(0..=i);
            order.swap(i, j);
        }
        for _ in 0..MAX_PASSES {
            let mut moved = 0;
            for &i in &order {
                if let Some((_, group, a, b)) = self.best_move(st, i, None, false) {
                    self.apply(st, &group, a, b);
                    moved += 1;
                }
            }
            if moved == 0 {
                break;
            }
        }
    }

    /// Moves only while a chief is outside the band: first the best single move that involves
    /// such a chief and lowers the balance part of the score; when none helps, a chain of moves
    /// along a path of neighbouring chiefs to one with room (or with work to spare); when no
    /// chain helps either, passes of improving moves among the chiefs within reach of one
    /// outside the band, reach widening until something helps.
    fn band(&mut self, st: &mut State) {
        let n = self.weight.len();
        let mut guard = 0usize;
        'outer: loop {
            guard += 1;
            if guard > 4 * n + 100 {
                return;
            }
            let mut active: Vec<bool> = (0..self.k).map(|s| !st.inside(s, st.load[s])).collect();
            if !active.iter().any(|&x| x) {
                return;
            }
            // The best move touching the chiefs outside the band.
            let mut best: Option<(f64, Vec<usize>, usize, usize)> = None;
            for i in 0..n {
                if let Some(m) = self.best_move(st, i, Some(&active), true)
                    && best.as_ref().is_none_or(|b| m.0 < b.0)
                {
                    best = Some(m);
                }
            }
            if let Some((_, group, a, b)) = best {
                self.apply(st, &group, a, b);
                continue;
            }
            if self.chain(st) {
                continue;
            }
            // Widen to the neighbours of the active chiefs, one ring at a time.
            loop {
                let mut wider = active.clone();
                for i in 0..n {
                    let Some(a) = self.owner[i] else { continue };
                    if !active[a] {
                        continue;
                    }
                    for &(w, _) in &self.adj[i] {
                        if let Some(b) = self.owner[w] {
                            wider[b] = true;
                        }
                    }
                }
                if wider == active {
                    return;
                }
                active = wider;
                let mut moved = false;
                for i in 0..n {
                    if let Some((_, group, a, b)) = self.best_move(st, i, Some(&active), true) {
                        self.apply(st, &group, a, b);
                        moved = true;
                        if (0..self.k).all(|s| st.inside(s, st.load[s])) {
                            return;
                        }
                    }
                }
                if moved {
                    continue 'outer;
                }
            }
        }
    }

    /// One chain of moves that lowers the balance part of the score, for the chief furthest
    /// outside the band that has one: work flows along a path of neighbouring chiefs from one
    /// with too much to one with room, each hop handing on a boundary item (with what hangs on
    /// it) as close as possible to the amount that should flow. True when a chain was made.
    fn chain(&mut self, st: &mut State) -> bool {
        let n = self.weight.len();
        let mut outside: Vec<usize> = (0..self.k).filter(|&s| !st.inside(s, st.load[s])).collect();
        outside.sort_by(|&x, &y| {
            st.excess(y, st.load[y])
                .total_cmp(&st.excess(x, st.load[x]))
                .then(x.cmp(&y))
        });
        // Which chiefs border which, and by which items.
        let mut borders: Vec<Vec<usize>> = vec![Vec::new(); self.k];
        for i in 0..n {
            let Some(a) = self.owner[i] else { continue };
            for b in self.neighbour_owners(i, a) {
                borders[a].push(b);
            }
        }
        for list in &mut borders {
            list.sort_unstable();
            list.dedup();
        }
        let mut members: Vec<Vec<usize>> = vec![Vec::new(); self.k];
        for i in 0..n {
            if let Some(a) = self.owner[i] {
                members[a].push(i);
            }
        }
        for a in outside {
            if st.pinned[a] > 0.0 {
                continue;
            }
            let over = st.load[a] > st.mean;
            // Breadth-first over the chiefs, not through chiefs holding an oversized item.
            let mut parent: Vec<Option<usize>> = vec![None; self.k];
            let mut seen = vec![false; self.k];
            seen[a] = true;
            let mut queue = std::collections::VecDeque::from([a]);
            let mut tried = 0;
            while let Some(u) = queue.pop_front() {
                if u != a {
                    // Prefer chiefs with room for a good share of the excess.
                    let margin = st.mean * self.spread * 0.5;
                    let useful = if over {
                        st.load[u] < st.mean - margin
                    } else {
                        st.load[u] > st.mean + margin
                    };
                    if useful {
                        let mut path = vec![u];
                        let mut at = u;
                        while let Some(p) = parent[at] {
                            path.push(p);
                            at = p;
                        }
                        // `path` runs from u back to a; work flows from the heavy end.
                        let flow: Vec<usize> = if over {
                            path.iter().rev().copied().collect()
                        } else {
                            path
                        };
                        if self.try_chain(st, &flow, &members) {
                            return true;
                        }
                        tried += 1;
                        if tried >= CHAIN_TRIES {
                            break;
                        }
                    }
                }
                for &v in &borders[u] {
                    if !seen[v] && st.pinned[v] <= 0.0 {
                        seen[v] = true;
                        parent[v] = Some(u);
                        queue.push_back(v);
                    }
                }
            }
        }
        false
    }

    /// Hands work along `path` (from its first chief, who has too much, to its last, who has
    /// room): each chief passes the next a boundary item group weighing as near as possible to
    /// the amount that should flow. Kept when the balance part of the score drops; undone
    /// otherwise.
    fn try_chain(&mut self, st: &mut State, path: &[usize], members: &[Vec<usize>]) -> bool {
        let (first, last) = (path[0], path[path.len() - 1]);
        let want = (st.load[first] - st.mean)
            .min(st.mean - st.load[last])
            .max(0.0);
        let before: f64 = path
            .iter()
            .map(|&s| st.cost(s, st.load[s], st.count[s]))
            .sum();
        let mut done: Vec<(Vec<usize>, usize, usize)> = Vec::new();
        // From the end, so that each chief first receives, then passes on.
        for hop in (0..path.len() - 1).rev() {
            let (u, v) = (path[hop], path[hop + 1]);
            let mut best: Option<(f64, Vec<usize>)> = None;
            for &i in &members[u] {
                if self.owner[i] != Some(u)
                    || self.locked[i]
                    || self.oversized[i]
                    || !self.adj[i].iter().any(|&(w, _)| self.owner[w] == Some(v))
                {
                    continue;
                }
                let Some(group) = self.detach(i, u) else {
                    continue;
                };
                if group.len() >= st.count[u] {
                    continue;
                }
                let w: f64 = group.iter().map(|&g| self.weight[g]).sum();
                let miss = (w - want).abs();
                if best.as_ref().is_none_or(|b| miss < b.0) {
                    best = Some((miss, group));
                }
            }
            match best {
                Some((_, group)) => {
                    self.apply(st, &group, u, v);
                    done.push((group, u, v));
                }
                None => break,
            }
        }
        let after: f64 = path
            .iter()
            .map(|&s| st.cost(s, st.load[s], st.count[s]))
            .sum();
        // A chain broken off early is still a chain from the chief where it broke off.
        if after < before - 1e-12 {
            return true;
        }
        for (group, u, v) in done.into_iter().rev() {
            self.apply(st, &group, v, u);
        }
        false
    }
}

impl State {
    fn centroid(&self, s: usize) -> [f64; 2] {
        let n = self.count[s].max(1) as f64;
        [self.sx[s] / n, self.sy[s] / n]
    }

    /// Workload of chief `s` outside their band: beyond their oversized items when they hold
    /// any, beyond the band around the mean otherwise.
    fn excess(&self, s: usize, load: f64) -> f64 {
        if self.pinned[s] > 0.0 {
            (load - self.pinned[s]).max(0.0)
        } else {
            ((load - self.mean).abs() - self.spread * self.mean).max(0.0)
        }
    }

    fn inside(&self, s: usize, load: f64) -> bool {
        self.excess(s, load) <= 1e-9 * self.mean.max(1.0)
    }

    /// The balance score of one chief: squared relative deviation (of workload plus the small
    /// per-item share) and the heavy penalty for workload outside the band.
    fn cost(&self, s: usize, load: f64, count: usize) -> f64 {
        if self.emean <= 0.0 || self.mean <= 0.0 {
            return 0.0;
        }
        if self.pinned[s] > 0.0 {
            let out = self.excess(s, load) / self.mean;
            return OUT_OF_BAND * out * out;
        }
        let dev = (load + self.eps * count as f64 - self.emean) / self.emean;
        let out = if self.mean > 0.0 {
            self.excess(s, load) / self.mean
        } else {
            0.0
        };
        let inner = if self.mean > 0.0 {
            (((load - self.mean) / self.mean).abs() - self.spread * INNER).max(0.0)
        } else {
            0.0
        };
        dev * dev + OUT_OF_BAND * out * out + INNER_WEIGHT * inner * inner
    }
}

/// A float ordered by `total_cmp`, for heaps.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Ordered(f64);

impl Eq for Ordered {}

impl PartialOrd for Ordered {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Ordered {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.0.total_cmp(&other.0)
    }
}

fn dist2(p: [f64; 2], q: [f64; 2]) -> f64 {
    (p[0] - q[0]).powi(2) + (p[1] - q[1]).powi(2)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    /// A `side` × `side` grid of items 100 m apart, 4-neighbour links.
    fn grid(side: usize, k: usize, weight: impl Fn(usize) -> f64) -> Local {
        let n = side * side;
        let mut adj = vec![Vec::new(); n];
        for r in 0..side {
            for c in 0..side {
                let i = r * side + c;
                if c + 1 < side {
                    adj[i].push((i + 1, 100.0));
                    adj[i + 1].push((i, 100.0));
                }
                if r + 1 < side {
                    adj[i].push((i + side, 100.0));
                    adj[i + side].push((i, 100.0));
                }
            }
        }
        let weight: Vec<f64> = (0..n).map(weight).collect();
        let mean = target_mean(&weight, k, 0.25);
        Local {
            xy: (0..n)
                .map(|i| [(i % side) as f64 * 100.0, (i / side) as f64 * 100.0])
                .collect(),
            adj,
            owner: vec![None; n],
            locked: vec![false; n],
            k,
            spread: 0.25,
            oversized: weight.iter().map(|&w| w > 1.25 * mean).collect(),
            mean,
            weight,
            scratch: Default::default(),
        }
    }

    fn connected(p: &Local, slot: usize) -> bool {
        let mine: Vec<usize> = (0..p.weight.len())
            .filter(|&i| p.owner[i] == Some(slot))
            .collect();
        let Some(&start) = mine.first() else {
            return false;
        };
        let mut seen = HashSet::from([start]);
        let mut stack = vec![start];
        while let Some(v) = stack.pop() {
            for &(w, _) in &p.adj[v] {
                if p.owner[w] == Some(slot) && seen.insert(w) {
                    stack.push(w);
                }
            }
        }
        seen.len() == mine.len()
    }

    #[test]
    fn the_target_mean_leaves_out_items_heavier_than_the_band() {
        assert!((target_mean(&[100.0, 10.0, 10.0, 10.0], 3, 0.25) - 15.0).abs() < 1e-9);
        assert!((target_mean(&[10.0, 10.0, 10.0], 3, 0.25) - 10.0).abs() < 1e-9);
        // One chief keeps everything, however heavy.
        assert!((target_mean(&[100.0, 10.0], 1, 0.25) - 110.0).abs() < 1e-9);
    }

    #[test]
    fn a_fresh_grid_splits_into_connected_balanced_areas() {
        let mut p = grid(8, 5, |i| 1.0 + (i % 3) as f64);
        p.solve(true, &mut ChaCha8Rng::seed_from_u64(3));
        let st = p.state(false);
        for s in 0..5 {
            assert!(connected(&p, s), "area {s} is in pieces");
            assert!(st.inside(s, st.load[s]), "{} vs {}", st.load[s], st.mean);
        }
    }

    #[test]
    fn an_oversized_item_gets_a_chief_of_its_own() {
        let mut p = grid(6, 4, |i| if i == 14 { 60.0 } else { 1.0 });
        assert!(p.oversized[14]);
        p.solve(true, &mut ChaCha8Rng::seed_from_u64(1));
        let giant = p.owner[14].expect("assigned");
        let st = p.state(false);
        assert_eq!(st.count[giant], 1);
        for s in (0..4).filter(|&s| s != giant) {
            assert!(st.inside(s, st.load[s]), "{} vs {}", st.load[s], st.mean);
            assert!(connected(&p, s));
        }
    }

    #[test]
    fn what_hangs_on_an_item_moves_with_it() {
        // A path 0-1-2-3-4 held by one chief: taking 1 away drags 0 with it (the lighter side).
        let mut p = grid(1, 2, |_| 1.0);
        p.weight = vec![1.0, 1.0, 1.0, 1.0, 1.0];
        p.xy = (0..5).map(|i| [i as f64, 0.0]).collect();
        p.adj = (0..5)
            .map(|i: usize| {
                [i.checked_sub(1), (i < 4).then_some(i + 1)]
                    .into_iter()
                    .flatten()
                    .map(|j| (j, 1.0))
                    .collect()
            })
            .collect();
        p.owner = vec![Some(0); 5];
        p.locked = vec![false; 5];
        p.oversized = vec![false; 5];
        let mut group = p.detach(1, 0).expect("decidable");
        group.sort_unstable();
        assert_eq!(group, vec![0, 1]);
        assert_eq!(p.detach(4, 0), Some(vec![4]));
        p.locked[0] = true;
        assert_eq!(p.detach(1, 0), None);
    }
}
