//! Scoring: all-vs-all genuine/impostor histograms (tiled dot products over normalised
//! embeddings, on every core, never holding the scores), and the pairs-file protocol.

use std::sync::atomic::{AtomicUsize, Ordering};

use crate::eval::metrics::ScoreHistograms;

/// Cosine similarity of two L2-normalised embeddings: a dot product with 16 independent
/// accumulators so that the compiler vectorises it.
pub fn dot(a: &[f32], b: &[f32]) -> f32 {
    let mut acc = [0f32; 16];
    let (ca, cb) = (a.chunks_exact(16), b.chunks_exact(16));
    let tail: f32 = ca.remainder().iter().zip(cb.remainder()).map(|(x, y)| x * y).sum();
    for (x, y) in ca.zip(cb) {
        for k in 0..16 {
            acc[k] += x[k] * y[k];
        }
    }
    (acc.iter().sum::<f32>() + tail).clamp(-1.0, 1.0)
}

/// The enrolled images of an all-vs-all run, as parallel arrays.
#[derive(Debug, Clone, Copy)]
pub struct Gallery<'a> {
    /// `n × dim` normalised embeddings, row-major.
    pub embeddings: &'a [f32],
    pub dim: usize,
    /// Identity of each row.
    pub identity: &'a [u32],
    /// Inter-eye distance (px) of each row's face.
    pub eye_dist: &'a [f32],
    /// Split half of each row (0 = A, 1 = B), for `--calibrate-split`.
    pub half: Option<&'a [u8]>,
}

/// What one all-vs-all pass accumulates.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct AllVsAll {
    /// Every pair.
    pub all: ScoreHistograms,
    /// By face-size band: the smaller inter-eye distance of the pair, banded by the edges given.
    pub bands: Vec<ScoreHistograms>,
    /// Pairs within half A and pairs within half B (cross-half pairs are not used).
    pub halves: Option<[ScoreHistograms; 2]>,
}

impl AllVsAll {
    fn new(bands: usize, split: bool) -> AllVsAll {
        AllVsAll {
            all: ScoreHistograms::default(),
            bands: vec![ScoreHistograms::default(); bands],
            halves: split.then(Default::default),
        }
    }
    fn merge(&mut self, other: &AllVsAll) {
        self.all.merge(&other.all);
        self.bands.iter_mut().zip(&other.bands).for_each(|(a, b)| a.merge(b));
        if let (Some(a), Some(b)) = (&mut self.halves, &other.halves) {
            a[0].merge(&b[0]);
            a[1].merge(&b[1]);
        }
    }
}

/// The band of an inter-eye distance: the number of `edges` it reaches (`edges` ascending).
pub fn band_of(eye_dist: f32, edges: &[f32]) -> usize {
    edges.iter().filter(|&&e| eye_dist >= e).count()
}

const TILE: usize = 128;

/// Scores every unordered pair of rows once (n(n−1)/2 pairs) on `threads` threads, in tiles of
/// 128 × 128 rows so that both tiles stay in cache; each thread fills its own histograms, merged
/// at the end. Memory: a few MB whatever n is.
pub fn all_vs_all(g: &Gallery, band_edges: &[f32], threads: usize) -> AllVsAll {
    let n = g.identity.len();
    let tiles = n.div_ceil(TILE);
    let jobs: Vec<(usize, usize)> = (0..tiles).flat_map(|a| (a..tiles).map(move |b| (a, b))).collect();
    let next = AtomicUsize::new(0);
    let bands = band_edges.len() + 1;
    let mut total = AllVsAll::new(bands, g.half.is_some());
    std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads.max(1))
            .map(|_| {
                scope.spawn(|| {
                    let mut acc = AllVsAll::new(bands, g.half.is_some());
                    loop {
                        let job = next.fetch_add(1, Ordering::Relaxed);
                        let Some(&(ta, tb)) = jobs.get(job) else { break };
                        for i in ta * TILE..((ta + 1) * TILE).min(n) {
                            let ei = &g.embeddings[i * g.dim..(i + 1) * g.dim];
                            let start = if ta == tb { i + 1 } else { tb * TILE };
                            for j in start..((tb + 1) * TILE).min(n) {
                                let s = dot(ei, &g.embeddings[j * g.dim..(j + 1) * g.dim]);
                                let genuine = g.identity[i] == g.identity[j];
                                acc.all.add(s, genuine);
                                acc.bands[band_of(g.eye_dist[i].min(g.eye_dist[j]), band_edges)].add(s, genuine);
                                if let (Some(halves), Some(h)) = (&mut acc.halves, g.half) {
                                    if h[i] == h[j] {
                                        halves[h[i] as usize].add(s, genuine);
                                    }
                                }
                            }
                        }
                    }
                    acc
                })
            })
            .collect();
        for w in workers {
            if let Ok(acc) = w.join() {
                total.merge(&acc);
            }
        }
    });
    total
}
