//! The evaluation harness behind `likeness eval` (docs/eval.md): embeds a labelled folder tree
//! (identity = folder name) with the largest face of each image, then measures
//!
//! - the LFW pairs protocol as the pairs file gives it: 10-fold accuracy, mean ± std;
//! - all-vs-all genuine/impostor scores (capped images per identity) into 1e-4 histograms:
//!   TAR at FAR 1e-3/1e-4/1e-5, FAR/FRR of the presets with 95 % Wilson intervals, overall
//!   and per face-size band;
//! - optionally (`calibrate_split`) thresholds chosen on one half of the identities and
//!   checked on the other.
//!
//! Files: [`dataset`] (the tree, pairs.txt), [`cache`] (embedding on every core, the on-disk
//! cache, image variants), [`metrics`] (histograms, intervals, folds), [`score`] (all-vs-all),
//! [`report`] (report.md, report.json, det.svg). Nothing here panics on bad input: a missing
//! folder or a bad pairs line is an `INVALID_ARGUMENT` error, an unreadable image a counted
//! failure to enrol.

pub mod cache;
pub mod dataset;
pub mod metrics;
pub mod report;
pub mod score;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::PathBuf;
use std::time::Instant;

use serde::Serialize;

use crate::constants::{COMPARE_MIN_EYE_DIST, QUALITY_OFFSETS, THRESHOLD_LOW, THRESHOLD_MEDIUM, THRESHOLD_STRICT};
use crate::matching::quality_offset;
use crate::error::{Error, Result};
use crate::pipeline::Likeness;
use cache::{CacheStatus, EmbeddingCache, Outcome, Variant};
use dataset::Dataset;
use metrics::{fold_accuracy, FoldResult, Rate, ScoreHistograms};
use score::{all_vs_all, AllVsAll, Gallery};

/// Default `--cap-per-identity`: 10 images per identity give 14.5k genuine and 55M impostor
/// pairs on LFW (FAR observable to ~1e-7) and score in well under a minute on 2 cores.
pub const DEFAULT_CAP_PER_IDENTITY: usize = 10;
/// Default face-size bands: edges of the smaller inter-eye distance of a pair, in px.
pub const DEFAULT_BAND_EDGES: [f32; 3] = [30.0, 45.0, 60.0];
/// The FAR targets TAR is reported at and split calibration aims for.
pub const FAR_TARGETS: [f64; 3] = [1e-3, 1e-4, 1e-5];
/// The number of folds of the pairs protocol.
pub const FOLDS: usize = 10;

/// What to evaluate.
#[derive(Debug, Clone, PartialEq)]
pub struct EvalConfig {
    /// The labelled folder tree.
    pub dataset: PathBuf,
    /// An LFW-format pairs file (optional).
    pub pairs: Option<PathBuf>,
    /// The embedding cache file (optional; created when missing).
    pub cache: Option<PathBuf>,
    /// Images per identity in the all-vs-all scoring (the first N by file name).
    pub cap_per_identity: usize,
    /// What the images are turned into. The first variant is the one of the pairs protocol;
    /// all-vs-all pools every variant (pairs of two variants of one file are skipped), so
    /// `colour,downscale:62` pairs full-size with small faces as a selfie meets an ID photo.
    pub variants: Vec<Variant>,
    /// Also choose thresholds on half of the identities and test them on the other half.
    pub calibrate_split: bool,
    /// Worker threads (embedding and scoring).
    pub threads: usize,
    /// Only these identities (folder names); `None` for all. Pairs naming others are skipped.
    pub identities: Option<BTreeSet<String>>,
    /// Face-size band edges (px, ascending).
    pub band_edges: Vec<f32>,
    /// Print progress to stderr.
    pub progress: bool,
}

impl EvalConfig {
    /// Defaults for everything but the dataset.
    pub fn new(dataset: impl Into<PathBuf>) -> EvalConfig {
        EvalConfig {
            dataset: dataset.into(),
            pairs: None,
            cache: None,
            cap_per_identity: DEFAULT_CAP_PER_IDENTITY,
            variants: vec![Variant::Colour],
            calibrate_split: false,
            threads: std::thread::available_parallelism().map_or(1, |n| n.get()),
            identities: None,
            band_edges: DEFAULT_BAND_EDGES.to_vec(),
            progress: false,
        }
    }
}

/// The whole result: what report.json holds.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EvalReport {
    pub meta: Meta,
    pub enrolment: Enrolment,
    /// `None` without a pairs file.
    pub pairs: Option<PairsReport>,
    pub all_vs_all: AllVsAllReport,
    /// `None` without `calibrate_split`.
    pub split: Option<SplitReport>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Meta {
    pub date_utc: String,
    pub machine: String,
    pub threads: usize,
    pub likeness_version: String,
    /// sha256 over the model manifest, crate version and detection settings (the cache key).
    pub model_key: String,
    pub variant: String,
    pub dataset: String,
    pub pairs_file: Option<String>,
    pub cap_per_identity: usize,
    pub confidence_intervals: String,
    pub histogram_bin_width: f64,
    pub cache: String,
    pub cache_hits: usize,
    pub embedded_now: usize,
    pub seconds_embed: f64,
    pub seconds_score: f64,
    pub seconds_total: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Failure {
    pub path: String,
    pub code: String,
    pub message: String,
}

/// Failure to enrol, over every image of the tree.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Enrolment {
    pub identities: usize,
    pub images: usize,
    pub enrolled: usize,
    /// Images with no face or that could not be read/decoded/analysed.
    pub failure_to_enrol: Rate,
    pub failures_by_code: BTreeMap<String, u64>,
    pub failures: Vec<Failure>,
}

/// The pairs protocol.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PairsReport {
    pub genuine_pairs: usize,
    pub impostor_pairs: usize,
    /// Lines naming an identity that is not in the (possibly filtered) tree.
    pub skipped_not_in_dataset: usize,
    /// Pairs with an image that failed to enrol: scored -1 (always rejected).
    pub with_failed_image: usize,
    pub mean_genuine: Option<f64>,
    pub mean_impostor: Option<f64>,
    /// `None` when there are fewer than 10 pairs of a kind.
    pub folds: Option<FoldResult>,
}

/// A preset's error rates.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PresetResult {
    pub name: String,
    pub threshold: f64,
    pub far: Rate,
    pub frr: Rate,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TarAtFar {
    pub far_target: f64,
    /// The lowest threshold (1e-4 grid) with FAR ≤ target.
    pub threshold: f64,
    /// `false` when there are fewer than 1/target impostor pairs: the target cannot be
    /// observed and the threshold is just the one above every impostor score.
    pub observable: bool,
    pub tar: f64,
    pub far: Rate,
    pub frr: Rate,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BandReport {
    /// e.g. `30–45 px`: the smaller of the two faces' inter-eye distances.
    pub band: String,
    pub min_eye_dist: Option<f32>,
    pub max_eye_dist: Option<f32>,
    pub genuine_pairs: u64,
    pub impostor_pairs: u64,
    pub mean_genuine: Option<f64>,
    pub mean_impostor: Option<f64>,
    pub presets: Vec<PresetResult>,
}

/// All-vs-all over the capped images.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AllVsAllReport {
    pub identities: usize,
    pub images_capped: usize,
    pub images_enrolled: usize,
    pub genuine_pairs: u64,
    pub impostor_pairs: u64,
    /// Pairs of the capped set not scored because an image failed to enrol.
    pub genuine_lost_to_fte: u64,
    pub impostor_lost_to_fte: u64,
    pub mean_genuine: Option<f64>,
    pub mean_impostor: Option<f64>,
    pub tar_at_far: Vec<TarAtFar>,
    pub presets: Vec<PresetResult>,
    pub bands: Vec<BandReport>,
    /// The same pairs decided as `compare()` does (quality offsets, refusals).
    pub rule: RuleReport,
    /// FNMR at each preset's plain threshold when the lowest-quality genuine pairs (smaller
    /// inter-eye distance) are refused first (NIST's error-versus-reject curve).
    pub error_versus_reject: Vec<ErcPoint>,
}

/// The SDK's decision rule over the all-vs-all pairs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RuleReport {
    pub min_eye_dist: f32,
    pub refused_genuine: u64,
    pub refused_impostor: u64,
    /// FAR and FRR over the decided pairs (refused pairs are neither).
    pub presets: Vec<PresetResult>,
    pub bands: Vec<RuleBand>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RuleBand {
    pub band: String,
    pub refused_genuine: u64,
    pub refused_impostor: u64,
    pub presets: Vec<PresetResult>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ErcPoint {
    /// Share of genuine pairs refused, lowest quality first.
    pub rejected: f64,
    /// The smaller inter-eye distance (px) below which pairs were refused.
    pub min_eye_dist: f32,
    /// FNMR of strict, medium, low (plain thresholds) over the rest.
    pub fnmr: [f64; 3],
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HalfCounts {
    pub identities: usize,
    pub images: usize,
    pub genuine_pairs: u64,
    pub impostor_pairs: u64,
}

/// A threshold chosen on half A for a FAR target, and what it does on half B.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Proposal {
    pub preset: String,
    pub current_threshold: f64,
    pub far_target: f64,
    pub threshold: f64,
    /// As in [`TarAtFar::observable`], on half A.
    pub observable: bool,
    pub a_far: Rate,
    pub a_frr: Rate,
    pub b_far: Rate,
    pub b_frr: Rate,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SplitReport {
    pub method: String,
    pub half_a: HalfCounts,
    pub half_b: HalfCounts,
    pub proposals: Vec<Proposal>,
    /// Per band, the threshold half A needs for each FAR target and its offset from the
    /// threshold of the pairs at or above the quality table's last point.
    pub quality_calibration: Vec<QualityCalibration>,
    /// The SDK's rule on held-out half B, by band.
    pub rule_held_out: Vec<RuleBand>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QualityCalibration {
    pub band: String,
    pub impostor_pairs_a: u64,
    /// (FAR target, threshold on half A's band, offset from the reference), `None` when the
    /// band has too few impostor pairs to observe the target.
    pub targets: Vec<(f64, Option<f64>, Option<f64>)>,
    /// The offset the SDK applies at the middle of the band.
    pub sdk_offset: f64,
}

/// A finished run: the report plus the histograms the plot is drawn from.
#[derive(Debug, Clone, PartialEq)]
pub struct EvalRun {
    pub report: EvalReport,
    pub scores: AllVsAll,
    pub band_edges: Vec<f32>,
}

/// The current presets (src/constants.rs), as (name, threshold).
pub fn presets() -> [(&'static str, f64); 3] {
    [("strict", THRESHOLD_STRICT as f64), ("medium", THRESHOLD_MEDIUM as f64), ("low", THRESHOLD_LOW as f64)]
}

fn preset_results(h: &ScoreHistograms) -> Vec<PresetResult> {
    presets()
        .iter()
        .map(|&(name, t)| {
            // The f32 constant printed as the number it was written as (0.45, not 0.449999988).
            let t = (t * 1e4).round() / 1e4;
            PresetResult { name: name.into(), threshold: t, far: h.far(t), frr: h.frr(t) }
        })
        .collect()
}

/// Which half of the identity split a name falls in (0 = A, 1 = B): the lowest bit of its
/// FNV-1a hash, so the split is the same on every machine and for every subset.
pub fn half_of(identity: &str) -> u8 {
    (metrics::fnv1a64(identity) & 1) as u8
}

/// The rule's presets per band, with the pairs it refused there.
fn rule_bands(
    bands: &[ScoreHistograms],
    refused: &[(u64, u64)],
    label: &dyn Fn(usize) -> (String, Option<f32>, Option<f32>),
) -> Vec<RuleBand> {
    bands
        .iter()
        .zip(refused)
        .enumerate()
        .map(|(b, (h, r))| RuleBand { band: label(b).0, refused_genuine: r.0, refused_impostor: r.1, presets: preset_results(h) })
        .collect()
}

/// The reject fractions of the error-versus-reject table.
pub const ERC_FRACTIONS: [f64; 9] = [0.0, 0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5];

/// FNMR at the presets' plain thresholds after refusing the lowest-quality genuine pairs.
pub fn error_versus_reject(genuine: &[(f32, f32)]) -> Vec<ErcPoint> {
    let mut sorted = genuine.to_vec();
    sorted.sort_by(|a, b| a.1.total_cmp(&b.1));
    let thresholds = presets().map(|(_, t)| t as f32);
    let mut cuts: Vec<usize> = ERC_FRACTIONS.iter().map(|&f| (f * sorted.len() as f64).floor() as usize).collect();
    // Few pairs: several fractions may refuse the same number of pairs; keep one row each.
    cuts.dedup();
    cuts.into_iter()
        .filter_map(|cut| {
            let kept = sorted.get(cut..).filter(|k| !k.is_empty())?;
            let fnmr = thresholds.map(|t| kept.iter().filter(|p| p.0 < t).count() as f64 / kept.len() as f64);
            Some(ErcPoint { rejected: cut as f64 / sorted.len() as f64, min_eye_dist: kept[0].1, fnmr })
        })
        .collect()
}

/// Per band of half A: the threshold each FAR target needs there, and its offset from the
/// threshold of the reference bands (lower edge at or above the quality table's last point).
fn quality_calibration(
    band_a: &[ScoreHistograms],
    edges: &[f32],
    label: &dyn Fn(usize) -> (String, Option<f32>, Option<f32>),
) -> Vec<QualityCalibration> {
    let reference_from = QUALITY_OFFSETS[QUALITY_OFFSETS.len() - 1].0;
    let mut reference = ScoreHistograms::default();
    for (b, h) in band_a.iter().enumerate() {
        if b > 0 && edges[b - 1] >= reference_from {
            reference.merge(h);
        }
    }
    band_a
        .iter()
        .enumerate()
        .map(|(b, h)| {
            let (band, lo, hi) = label(b);
            let n = h.impostor.total();
            let targets = FAR_TARGETS
                .iter()
                .map(|&target| {
                    let observable = n as f64 * target >= 10.0;
                    let t = h.threshold_for_far(target).filter(|_| observable);
                    let r = reference.threshold_for_far(target).filter(|_| reference.impostor.total() as f64 * target >= 10.0);
                    let offset = t.zip(r).map(|(t, r)| ((t - r) * 1e4).round() / 1e4);
                    (target, t, offset)
                })
                .collect();
            let mid = match (lo, hi) {
                (Some(l), Some(h)) => (l + h) / 2.0,
                (Some(l), None) => l,
                (None, Some(h)) => h,
                (None, None) => f32::INFINITY,
            };
            QualityCalibration { band, impostor_pairs_a: n, targets, sdk_offset: (quality_offset(mid) as f64 * 1e4).round() / 1e4 }
        })
        .collect()
}

/// Runs the harness with `sdk`.
pub fn run(sdk: &Likeness, cfg: &EvalConfig) -> Result<EvalRun> {
    let started = Instant::now();
    let ds = match &cfg.identities {
        Some(keep) => Dataset::scan_filtered(&cfg.dataset, |n| keep.contains(n))?,
        None => Dataset::scan(&cfg.dataset)?,
    };
    // The pairs file is parsed and resolved before any embedding: a bad line fails fast.
    let pair_lines = match &cfg.pairs {
        Some(p) => {
            let text = std::fs::read_to_string(p)
                .map_err(|e| Error::invalid_argument(format!("cannot read the pairs file {}: {e}", p.display())))?;
            Some(dataset::parse_pairs(&text)?)
        }
        None => None,
    };
    let index = ds.index_by_stem();
    let known: BTreeSet<&str> = ds.identities.iter().map(String::as_str).collect();
    let mut resolved: Vec<(usize, usize, bool)> = Vec::new();
    let mut skipped = 0usize;
    for p in pair_lines.iter().flatten() {
        let [(na, sa), (nb, sb)] = p.stems();
        if !known.contains(na) || !known.contains(nb) {
            skipped += 1;
            continue;
        }
        let find = |name: &str, stem: &str| {
            index.get(&(name, stem)).copied().ok_or_else(|| {
                Error::invalid_argument(format!("pairs file line {}: {name} has no image {stem} in the dataset", p.line))
            })
        };
        resolved.push((find(na, &sa)?, find(nb, &sb)?, p.genuine));
    }

    // Embed: the cache first, then every remaining image on every core. The first variant
    // embeds every image (the pairs protocol and failure to enrol); the others the capped ones.
    let model_key = cache::model_key();
    let (mut store, status) = match &cfg.cache {
        Some(path) => EmbeddingCache::load(path, &model_key),
        None => (EmbeddingCache::new(&model_key), CacheStatus::Absent),
    };
    let capped = ds.capped(cfg.cap_per_identity.max(1));
    let variants: Vec<Variant> = if cfg.variants.is_empty() { vec![Variant::Colour] } else { cfg.variants.clone() };
    let (mut cache_hits, mut embedded_now) = (0usize, 0usize);
    let t_embed = Instant::now();
    let mut by_variant: Vec<Vec<Option<Outcome>>> = Vec::new();
    for (v, &variant) in variants.iter().enumerate() {
        let wanted: Vec<usize> = if v == 0 { (0..ds.images.len()).collect() } else { capped.clone() };
        let mut outcomes: Vec<Option<Outcome>> = vec![None; ds.images.len()];
        let mut todo = Vec::new();
        for &i in &wanted {
            match store.get(variant, &ds.images[i]) {
                Some(o) => outcomes[i] = Some(o.clone()),
                None => todo.push(i),
            }
        }
        cache_hits += wanted.len() - todo.len();
        embedded_now += todo.len();
        if !todo.is_empty() {
            let refs: Vec<&dataset::ImageEntry> = todo.iter().map(|&i| &ds.images[i]).collect();
            let show = cfg.progress;
            let t_variant = Instant::now();
            let progress = move |done: usize, total: usize| {
                if show && (done % 500 == 0 || done == total) {
                    let s = t_variant.elapsed().as_secs_f64();
                    eprintln!("eval: {variant}: embedded {done}/{total} ({:.1} img/s, ~{:.0} s left)", done as f64 / s, (total - done) as f64 * s / done as f64);
                }
            };
            let fresh = cache::embed_images(sdk, &refs, variant, cfg.threads, &progress);
            for (&i, outcome) in todo.iter().zip(fresh) {
                store.insert(variant, &ds.images[i], outcome.clone());
                outcomes[i] = Some(outcome);
            }
            if let Some(path) = &cfg.cache {
                store.save(path)?;
            }
        }
        by_variant.push(outcomes);
    }
    let seconds_embed = t_embed.elapsed().as_secs_f64();
    let not_embedded = || Outcome::Failed { code: "INTERNAL".into(), message: "not embedded".into() };
    let mut by_variant: Vec<Vec<Outcome>> =
        by_variant.into_iter().map(|v| v.into_iter().map(|o| o.unwrap_or_else(not_embedded)).collect()).collect();
    let outcomes = by_variant.remove(0);

    // Failure to enrol.
    let mut failures = Vec::new();
    let mut by_code = BTreeMap::new();
    for (img, o) in ds.images.iter().zip(&outcomes) {
        if let Outcome::Failed { code, message } = o {
            *by_code.entry(code.clone()).or_insert(0u64) += 1;
            failures.push(Failure { path: img.rel_path.clone(), code: code.clone(), message: message.clone() });
        }
    }
    let enrolment = Enrolment {
        identities: ds.identities.len(),
        images: ds.images.len(),
        enrolled: ds.images.len() - failures.len(),
        failure_to_enrol: Rate::new(failures.len() as u64, ds.images.len() as u64),
        failures_by_code: by_code,
        failures,
    };

    let t_score = Instant::now();
    // The pairs protocol.
    let pairs = pair_lines.as_ref().map(|_| {
        let (mut gen, mut imp, mut with_failed) = (Vec::new(), Vec::new(), 0usize);
        for &(a, b, genuine) in &resolved {
            let s = match (&outcomes[a], &outcomes[b]) {
                (Outcome::Face { embedding: ea, .. }, Outcome::Face { embedding: eb, .. }) => score::dot(ea, eb),
                _ => {
                    with_failed += 1;
                    -1.0
                }
            };
            if genuine { gen.push(s) } else { imp.push(s) }
        }
        let mean = |v: &[f32]| (!v.is_empty()).then(|| v.iter().map(|&x| x as f64).sum::<f64>() / v.len() as f64);
        PairsReport {
            genuine_pairs: gen.len(),
            impostor_pairs: imp.len(),
            skipped_not_in_dataset: skipped,
            with_failed_image: with_failed,
            mean_genuine: mean(&gen),
            mean_impostor: mean(&imp),
            folds: fold_accuracy(&gen, &imp, FOLDS).ok(),
        }
    });

    // All-vs-all over the capped, enrolled images of every variant.
    let dim = outcomes.iter().chain(by_variant.iter().flatten()).find_map(|o| match o {
        Outcome::Face { embedding, .. } => Some(embedding.len()),
        _ => None,
    });
    let mut flat = Vec::new();
    let (mut identity, mut eye_dist, mut half, mut source) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut per_identity_capped: HashMap<usize, u64> = HashMap::new();
    let mut per_identity_enrolled: HashMap<usize, u64> = HashMap::new();
    for variant_outcomes in std::iter::once(&outcomes).chain(&by_variant) {
        for &i in &capped {
            let img = &ds.images[i];
            *per_identity_capped.entry(img.identity).or_default() += 1;
            if let (Outcome::Face { eye_dist: d, embedding }, Some(dim)) = (&variant_outcomes[i], dim) {
                if embedding.len() != dim {
                    continue;
                }
                *per_identity_enrolled.entry(img.identity).or_default() += 1;
                flat.extend_from_slice(embedding);
                identity.push(img.identity as u32);
                eye_dist.push(*d);
                half.push(half_of(&ds.identities[img.identity]));
                source.push(i as u32);
            }
        }
    }
    let gallery = Gallery {
        embeddings: &flat,
        dim: dim.unwrap_or(1),
        identity: &identity,
        eye_dist: &eye_dist,
        half: cfg.calibrate_split.then_some(&half[..]),
        source: (variants.len() > 1).then_some(&source[..]),
    };
    let scores = all_vs_all(&gallery, &cfg.band_edges, cfg.threads);
    let pair_counts = |m: &HashMap<usize, u64>| {
        let total: u64 = m.values().sum();
        let genuine: u64 = m.values().map(|c| c * c.saturating_sub(1) / 2).sum();
        let impostor = (total * total - m.values().map(|c| c * c).sum::<u64>()) / 2;
        (genuine, impostor)
    };
    let (cap_gen, cap_imp) = pair_counts(&per_identity_capped);
    // Two variants of one file are never paired: C(variants, 2) genuine pairs per capped file.
    let v = variants.len() as u64;
    let cap_gen = cap_gen.saturating_sub(capped.len() as u64 * v * v.saturating_sub(1) / 2);
    let h = &scores.raw.all;
    let tar_at_far = FAR_TARGETS
        .iter()
        .filter_map(|&target| {
            let t = h.threshold_for_far(target)?;
            let frr = h.frr(t);
            let observable = h.impostor.total() as f64 * target >= 1.0;
            Some(TarAtFar { far_target: target, threshold: t, observable, tar: 1.0 - frr.rate, far: h.far(t), frr })
        })
        .collect();
    let band_label = |b: usize| -> (String, Option<f32>, Option<f32>) {
        let lo = b.checked_sub(1).map(|i| cfg.band_edges[i]);
        let hi = cfg.band_edges.get(b).copied();
        let label = match (lo, hi) {
            (None, Some(h)) => format!("<{h} px"),
            (Some(l), Some(h)) => format!("{l}–{h} px"),
            (Some(l), None) => format!("≥{l} px"),
            (None, None) => "all".into(),
        };
        (label, lo, hi)
    };
    let bands = scores
        .raw
        .bands
        .iter()
        .enumerate()
        .map(|(b, hb)| {
            let (band, min_eye_dist, max_eye_dist) = band_label(b);
            BandReport {
                band,
                min_eye_dist,
                max_eye_dist,
                genuine_pairs: hb.genuine.total(),
                impostor_pairs: hb.impostor.total(),
                mean_genuine: hb.genuine.mean(),
                mean_impostor: hb.impostor.mean(),
                presets: preset_results(hb),
            }
        })
        .collect();
    let all_vs_all_report = AllVsAllReport {
        identities: per_identity_capped.len(),
        images_capped: capped.len(),
        images_enrolled: identity.len(),
        genuine_pairs: h.genuine.total(),
        impostor_pairs: h.impostor.total(),
        genuine_lost_to_fte: cap_gen.saturating_sub(h.genuine.total()),
        impostor_lost_to_fte: cap_imp.saturating_sub(h.impostor.total()),
        mean_genuine: h.genuine.mean(),
        mean_impostor: h.impostor.mean(),
        tar_at_far,
        presets: preset_results(h),
        bands,
        rule: RuleReport {
            min_eye_dist: COMPARE_MIN_EYE_DIST,
            refused_genuine: scores.refused.iter().map(|r| r.0).sum(),
            refused_impostor: scores.refused.iter().map(|r| r.1).sum(),
            presets: preset_results(&scores.rule.all),
            bands: rule_bands(&scores.rule.bands, &scores.refused, &band_label),
        },
        error_versus_reject: error_versus_reject(&scores.genuine_quality),
    };

    // Split calibration.
    let split = scores.raw.halves.as_ref().map(|[a, b]| {
        let count = |which: u8| {
            let ids: BTreeSet<u32> = identity.iter().zip(&half).filter(|(_, &h)| h == which).map(|(&i, _)| i).collect();
            let images = half.iter().filter(|&&h| h == which).count();
            (ids.len(), images)
        };
        let ((ia, na), (ib, nb)) = (count(0), count(1));
        let proposals = presets()
            .iter()
            .zip(FAR_TARGETS.iter().rev())
            .filter_map(|(&(name, current), &target)| {
                let t = a.threshold_for_far(target)?;
                Some(Proposal {
                    preset: name.into(),
                    current_threshold: (current * 1e4).round() / 1e4,
                    far_target: target,
                    threshold: t,
                    observable: a.impostor.total() as f64 * target >= 1.0,
                    a_far: a.far(t),
                    a_frr: a.frr(t),
                    b_far: b.far(t),
                    b_frr: b.frr(t),
                })
            })
            .collect();
        SplitReport {
            method: "identities split by the lowest bit of FNV-1a-64(folder name): even = A (calibration), odd = B (held out); pairs across halves unused".into(),
            half_a: HalfCounts { identities: ia, images: na, genuine_pairs: a.genuine.total(), impostor_pairs: a.impostor.total() },
            half_b: HalfCounts { identities: ib, images: nb, genuine_pairs: b.genuine.total(), impostor_pairs: b.impostor.total() },
            proposals,
            quality_calibration: scores
                .raw
                .halves_bands
                .as_ref()
                .map(|[band_a, _]| quality_calibration(band_a, &cfg.band_edges, &band_label))
                .unwrap_or_default(),
            rule_held_out: scores
                .rule
                .halves_bands
                .as_ref()
                .map(|[_, rule_b]| rule_bands(rule_b, &vec![(0, 0); rule_b.len()], &band_label))
                .unwrap_or_default(),
        }
    });
    let seconds_score = t_score.elapsed().as_secs_f64();

    let meta = Meta {
        date_utc: report::utc_now(),
        machine: report::machine(),
        threads: cfg.threads,
        likeness_version: env!("CARGO_PKG_VERSION").into(),
        model_key,
        variant: variants.iter().map(Variant::to_string).collect::<Vec<_>>().join(","),
        dataset: ds.root.display().to_string(),
        pairs_file: cfg.pairs.as_ref().map(|p| p.display().to_string()),
        cap_per_identity: cfg.cap_per_identity.max(1),
        confidence_intervals: "95 % Wilson score intervals".into(),
        histogram_bin_width: metrics::BIN_WIDTH,
        cache: match (&cfg.cache, status) {
            (None, _) => "none".into(),
            (Some(p), CacheStatus::Absent) => format!("{} (new)", p.display()),
            (Some(p), CacheStatus::Loaded(n)) => format!("{} ({n} entries loaded)", p.display()),
            (Some(p), CacheStatus::OtherModel) => format!("{} (written for other models: rebuilt)", p.display()),
            (Some(p), CacheStatus::Ignored(why)) => format!("{} (unreadable, rebuilt: {why})", p.display()),
        },
        cache_hits,
        embedded_now,
        seconds_embed,
        seconds_score,
        seconds_total: started.elapsed().as_secs_f64(),
    };
    Ok(EvalRun {
        report: EvalReport { meta, enrolment, pairs, all_vs_all: all_vs_all_report, split },
        scores,
        band_edges: cfg.band_edges.clone(),
    })
}
