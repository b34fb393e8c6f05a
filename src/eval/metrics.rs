//! The numbers: score histograms (FAR/FRR at any threshold without keeping the scores),
//! Wilson confidence intervals, the 10-fold pairs protocol.

use std::ops::Range;

use serde::Serialize;

use crate::error::{Error, Result};

/// Histogram bin width in cosine similarity.
pub const BIN_WIDTH: f64 = 1e-4;
/// Bins cover [-1, 1]: bin `k` holds scores in `[-1 + k·w, -1 + (k+1)·w)`; the last holds 1.0.
pub const BINS: usize = 20_001;

/// The bin of a score. A hair (1e-7) is added before flooring so that the `f32` nearest a
/// threshold such as 0.45 — which may be a little below it — lands in the threshold's bin, as
/// `Threshold::accepts` (`similarity >= threshold`, both `f32`) would accept it.
pub fn bin_of(score: f32) -> usize {
    let k = ((score as f64 + 1.0) / BIN_WIDTH + 1e-3).floor();
    if k.is_nan() || k < 0.0 {
        0
    } else {
        (k as usize).min(BINS - 1)
    }
}

/// The bin a threshold starts at (thresholds are read to the nearest 1e-4).
pub fn bin_of_threshold(threshold: f64) -> usize {
    (((threshold + 1.0) / BIN_WIDTH).round().max(0.0) as usize).min(BINS)
}

/// The threshold at the lower edge of bin `k`.
pub fn threshold_of_bin(k: usize) -> f64 {
    ((-1.0 + k as f64 * BIN_WIDTH) * 1e4).round() / 1e4
}

/// Counts of scores in 1e-4 bins, plus their sum (for the mean).
#[derive(Debug, Clone, PartialEq)]
pub struct Histogram {
    pub counts: Vec<u64>,
    pub sum: f64,
}

impl Default for Histogram {
    fn default() -> Self {
        Histogram { counts: vec![0; BINS], sum: 0.0 }
    }
}

impl Histogram {
    pub fn add(&mut self, score: f32) {
        self.counts[bin_of(score)] += 1;
        self.sum += score as f64;
    }
    pub fn merge(&mut self, other: &Histogram) {
        self.counts.iter_mut().zip(&other.counts).for_each(|(a, b)| *a += b);
        self.sum += other.sum;
    }
    pub fn total(&self) -> u64 {
        self.counts.iter().sum()
    }
    pub fn mean(&self) -> Option<f64> {
        let n = self.total();
        (n > 0).then(|| self.sum / n as f64)
    }
    /// Scores `>= threshold` (accepted).
    pub fn at_or_above(&self, threshold: f64) -> u64 {
        self.counts[bin_of_threshold(threshold).min(BINS)..].iter().sum()
    }
    /// Scores `< threshold` (rejected).
    pub fn below(&self, threshold: f64) -> u64 {
        self.total() - self.at_or_above(threshold)
    }
}

/// An error rate with its 95 % Wilson score interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Rate {
    pub errors: u64,
    pub trials: u64,
    pub rate: f64,
    /// 95 % Wilson score interval [low, high].
    pub ci95: [f64; 2],
}

impl Rate {
    pub fn new(errors: u64, trials: u64) -> Rate {
        let (lo, hi) = wilson(errors, trials, 1.959_963_984_540_054);
        Rate { errors, trials, rate: if trials == 0 { 0.0 } else { errors as f64 / trials as f64 }, ci95: [lo, hi] }
    }
}

/// The Wilson score interval for `k` successes in `n` trials at normal quantile `z`
/// (1.96 for 95 %). Unlike the normal approximation it stays in [0, 1] and is not empty at
/// k = 0 (upper bound z²/(n+z²), close to the "rule of three" 3/n). `(0, 1)` when n = 0.
///
/// ```
/// let (lo, hi) = likeness::eval::metrics::wilson(5, 10, 1.96);
/// assert!((lo - 0.2366).abs() < 1e-4 && (hi - 0.7634).abs() < 1e-4);
/// ```
pub fn wilson(k: u64, n: u64, z: f64) -> (f64, f64) {
    if n == 0 {
        return (0.0, 1.0);
    }
    let (k, n) = (k.min(n) as f64, n as f64);
    let p = k / n;
    let z2 = z * z;
    let centre = (p + z2 / (2.0 * n)) / (1.0 + z2 / n);
    let half = z / (1.0 + z2 / n) * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt();
    // Exact ends at k = 0 and k = n (the formula gives them up to rounding).
    let lo = if k == 0.0 { 0.0 } else { (centre - half).max(0.0) };
    let hi = if k == n { 1.0 } else { (centre + half).min(1.0) };
    (lo, hi)
}

/// Genuine (same person) and impostor (different people) score histograms.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ScoreHistograms {
    pub genuine: Histogram,
    pub impostor: Histogram,
}

impl ScoreHistograms {
    pub fn add(&mut self, score: f32, genuine: bool) {
        if genuine {
            self.genuine.add(score)
        } else {
            self.impostor.add(score)
        }
    }
    pub fn merge(&mut self, other: &ScoreHistograms) {
        self.genuine.merge(&other.genuine);
        self.impostor.merge(&other.impostor);
    }
    /// False accept rate at `threshold`: impostor pairs with score `>= threshold`.
    pub fn far(&self, threshold: f64) -> Rate {
        Rate::new(self.impostor.at_or_above(threshold), self.impostor.total())
    }
    /// False reject rate at `threshold`: genuine pairs with score `< threshold`.
    pub fn frr(&self, threshold: f64) -> Rate {
        Rate::new(self.genuine.below(threshold), self.genuine.total())
    }
    /// The lowest threshold (on the 1e-4 grid) whose FAR is at most `target`; `None` without
    /// impostor pairs. With too few impostors to observe `target` (1/N > target) this is the
    /// threshold above every impostor, and the FAR bound is the Wilson interval's.
    pub fn threshold_for_far(&self, target: f64) -> Option<f64> {
        let n = self.impostor.total();
        if n == 0 {
            return None;
        }
        let allowed = (target * n as f64).floor() as u64;
        let mut above = 0u64;
        // Walk down from the top bin while the impostors at or above stay within `allowed`.
        let mut k = BINS;
        while k > 0 && above + self.impostor.counts[k - 1] <= allowed {
            above += self.impostor.counts[k - 1];
            k -= 1;
        }
        Some(threshold_of_bin(k))
    }
    /// The DET curve: `(threshold, FMR, FNMR)` at every bin edge where either changes.
    pub fn det(&self) -> Vec<(f64, f64, f64)> {
        let (g, i) = (self.genuine.total() as f64, self.impostor.total() as f64);
        if g == 0.0 || i == 0.0 {
            return Vec::new();
        }
        let mut out = Vec::new();
        let (mut imp_above, mut gen_below) = (0u64, self.genuine.total());
        // k from the top: at threshold edge k, accepted = bins k.., rejected = bins ..k.
        for k in (0..BINS).rev() {
            imp_above += self.impostor.counts[k];
            gen_below -= self.genuine.counts[k];
            if self.impostor.counts[k] > 0 || self.genuine.counts[k] > 0 {
                out.push((threshold_of_bin(k), imp_above as f64 / i, gen_below as f64 / g));
            }
        }
        out
    }
}

/// `n` items cut into `k` contiguous blocks of near-equal size (the first `n % k` one longer).
///
/// ```
/// let f = likeness::eval::metrics::stratified_folds(3000, 10);
/// assert_eq!(f[3], 900..1200);
/// ```
pub fn stratified_folds(n: usize, k: usize) -> Vec<Range<usize>> {
    let k = k.max(1);
    let (base, extra) = (n / k, n % k);
    let mut start = 0;
    (0..k)
        .map(|i| {
            let len = base + usize::from(i < extra);
            let r = start..start + len;
            start += len;
            r
        })
        .collect()
}

/// The accuracy-maximising threshold for scores labelled same (`true`) / different: the
/// midpoint between the two scores where the decision flips. Accept when `score >= threshold`.
pub fn best_threshold(scored: &[(f32, bool)]) -> f32 {
    let mut s: Vec<(f32, bool)> = scored.to_vec();
    s.sort_by(|a, b| b.0.total_cmp(&a.0));
    let impostors = s.iter().filter(|p| !p.1).count();
    // Accept nothing: every impostor right.
    let (mut best, mut best_at) = (impostors, 0usize);
    let (mut gen_in, mut imp_in) = (0usize, 0usize);
    for m in 1..=s.len() {
        if s[m - 1].1 {
            gen_in += 1
        } else {
            imp_in += 1
        }
        // A cut only between two different scores.
        if m < s.len() && s[m].0 == s[m - 1].0 {
            continue;
        }
        let correct = gen_in + (impostors - imp_in);
        if correct > best {
            best = correct;
            best_at = m;
        }
    }
    match best_at {
        0 => s.first().map_or(0.0, |p| p.0 + 1e-4),
        m if m == s.len() => s[m - 1].0 - 1e-4,
        m => (s[m - 1].0 + s[m].0) / 2.0,
    }
}

/// The 10-fold protocol's result.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FoldResult {
    pub folds: usize,
    /// Held-out accuracy of each fold.
    pub accuracies: Vec<f64>,
    /// The threshold chosen on the other folds, for each fold.
    pub thresholds: Vec<f32>,
    pub mean: f64,
    /// Population standard deviation over the folds (as insightface and most papers report).
    pub std: f64,
}

/// k-fold accuracy: genuine and impostor scores (in file order) are each cut into `k`
/// contiguous blocks; fold i is genuine block i + impostor block i; the threshold is chosen
/// on the other k−1 folds ([`best_threshold`]) and accuracy measured on fold i.
/// `INVALID_ARGUMENT` when either kind has fewer than `k` pairs or `k < 2`.
pub fn fold_accuracy(genuine: &[f32], impostor: &[f32], k: usize) -> Result<FoldResult> {
    if k < 2 || genuine.len() < k || impostor.len() < k {
        return Err(Error::invalid_argument(format!(
            "{k}-fold accuracy needs at least {k} pairs of each kind (have {} same, {} different)",
            genuine.len(),
            impostor.len()
        )));
    }
    let (gf, imf) = (stratified_folds(genuine.len(), k), stratified_folds(impostor.len(), k));
    let mut accuracies = Vec::with_capacity(k);
    let mut thresholds = Vec::with_capacity(k);
    for test in 0..k {
        let mut train = Vec::new();
        for f in (0..k).filter(|&f| f != test) {
            train.extend(genuine[gf[f].clone()].iter().map(|&s| (s, true)));
            train.extend(impostor[imf[f].clone()].iter().map(|&s| (s, false)));
        }
        let t = best_threshold(&train);
        let right = genuine[gf[test].clone()].iter().filter(|&&s| s >= t).count()
            + impostor[imf[test].clone()].iter().filter(|&&s| s < t).count();
        accuracies.push(right as f64 / (gf[test].len() + imf[test].len()) as f64);
        thresholds.push(t);
    }
    let mean = accuracies.iter().sum::<f64>() / k as f64;
    let std = (accuracies.iter().map(|a| (a - mean).powi(2)).sum::<f64>() / k as f64).sqrt();
    Ok(FoldResult { folds: k, accuracies, thresholds, mean, std })
}

/// FNV-1a, 64 bits: a hash that is the same on every platform and Rust version (for the
/// deterministic identity split).
pub fn fnv1a64(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ b as u64).wrapping_mul(0x0000_0100_0000_01b3))
}
