//! Scoring: all-vs-all genuine/impostor histograms (tiled dot products over normalised
//! embeddings, on every core, never holding the scores), and the pairs-file protocol.

use std::sync::atomic::{AtomicUsize, Ordering};

use crate::constants::COMPARE_MIN_EYE_DIST;
use crate::eval::metrics::ScoreHistograms;
use crate::matching::quality_offset;

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
    /// The image file each row was made from: with several variants of one image, rows of the
    /// same file are never paired (that pair would be the same photo). `None`: one row a file.
    pub source: Option<&'a [u32]>,
}

/// Histograms of one way of scoring: every pair, by face-size band, and (with a split) within
/// each half, overall and by band.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Banded {
    pub all: ScoreHistograms,
    pub bands: Vec<ScoreHistograms>,
    /// Pairs within half A and pairs within half B (cross-half pairs are not used).
    pub halves: Option<[ScoreHistograms; 2]>,
    pub halves_bands: Option<[Vec<ScoreHistograms>; 2]>,
}

impl Banded {
    fn new(bands: usize, split: bool) -> Banded {
        Banded {
            all: ScoreHistograms::default(),
            bands: vec![ScoreHistograms::default(); bands],
            halves: split.then(Default::default),
            halves_bands: split.then(|| [vec![ScoreHistograms::default(); bands], vec![ScoreHistograms::default(); bands]]),
        }
    }
    fn add(&mut self, s: f32, genuine: bool, band: usize, half: Option<u8>) {
        self.all.add(s, genuine);
        self.bands[band].add(s, genuine);
        if let (Some(h), Some(halves), Some(hb)) = (half, &mut self.halves, &mut self.halves_bands) {
            halves[h as usize].add(s, genuine);
            hb[h as usize][band].add(s, genuine);
        }
    }
    fn merge(&mut self, other: &Banded) {
        self.all.merge(&other.all);
        self.bands.iter_mut().zip(&other.bands).for_each(|(a, b)| a.merge(b));
        if let (Some(a), Some(b)) = (&mut self.halves, &other.halves) {
            a[0].merge(&b[0]);
            a[1].merge(&b[1]);
        }
        if let (Some(a), Some(b)) = (&mut self.halves_bands, &other.halves_bands) {
            for h in 0..2 {
                a[h].iter_mut().zip(&b[h]).for_each(|(x, y)| x.merge(y));
            }
        }
    }
}

/// What one all-vs-all pass accumulates.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct AllVsAll {
    /// The similarities as they are.
    pub raw: Banded,
    /// The SDK's quality-aware rule (`matching::decide`): each decided pair's similarity minus
    /// its two faces' quality offsets, so that a preset's plain threshold applies.
    pub rule: Banded,
    /// Pairs the rule refuses (`QUALITY_TOO_LOW`), by band: (genuine, impostor).
    pub refused: Vec<(u64, u64)>,
    /// Every genuine pair's (similarity, smaller inter-eye distance), for error-versus-reject.
    pub genuine_quality: Vec<(f32, f32)>,
}

impl AllVsAll {
    fn new(bands: usize, split: bool) -> AllVsAll {
        AllVsAll {
            raw: Banded::new(bands, split),
            rule: Banded::new(bands, split),
            refused: vec![(0, 0); bands],
            genuine_quality: Vec::new(),
        }
    }
    fn add(&mut self, s: f32, genuine: bool, band: usize, half: Option<u8>, rule: Option<f32>, min_eye_dist: f32) {
        self.raw.add(s, genuine, band, half);
        match rule {
            Some(offset) => self.rule.add(s - offset, genuine, band, half),
            None if genuine => self.refused[band].0 += 1,
            None => self.refused[band].1 += 1,
        }
        if genuine {
            self.genuine_quality.push((s, min_eye_dist));
        }
    }
    fn merge(&mut self, other: AllVsAll) {
        self.raw.merge(&other.raw);
        self.rule.merge(&other.rule);
        self.refused.iter_mut().zip(&other.refused).for_each(|(a, b)| {
            a.0 += b.0;
            a.1 += b.1
        });
        self.genuine_quality.extend(other.genuine_quality);
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
    // Per row: its band and its share of the quality offset (`None`: below the SDK's minimum).
    // A pair's band is the smaller of the two (the band of its smaller face); its offset the sum.
    let band: Vec<usize> = g.eye_dist.iter().map(|&d| band_of(d, band_edges)).collect();
    let offset: Vec<Option<f32>> =
        g.eye_dist.iter().map(|&d| (d >= COMPARE_MIN_EYE_DIST).then(|| quality_offset(d))).collect();
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
                                if g.source.is_some_and(|src| src[i] == src[j]) {
                                    continue;
                                }
                                let s = dot(ei, &g.embeddings[j * g.dim..(j + 1) * g.dim]);
                                let genuine = g.identity[i] == g.identity[j];
                                let half = g.half.and_then(|h| (h[i] == h[j]).then_some(h[i]));
                                let rule = match (offset[i], offset[j]) {
                                    (Some(a), Some(b)) => Some(a + b),
                                    _ => None,
                                };
                                let d = g.eye_dist[i].min(g.eye_dist[j]);
                                acc.add(s, genuine, band[i].min(band[j]), half, rule, d);
                            }
                        }
                    }
                    acc
                })
            })
            .collect();
        for w in workers {
            if let Ok(acc) = w.join() {
                total.merge(acc);
            }
        }
    });
    total
}
