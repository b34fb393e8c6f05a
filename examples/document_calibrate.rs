//! Calibrates and measures document mode (`compare(..., { mode: 'document' })`) on generated ID
//! documents: LFW faces printed into cards by tests/common/cards.rs and photographed, against
//! the other LFW photos of the same and of other people as selfies (docs/document.md).
//!
//! ```text
//! cargo run --release --example document_calibrate -- ../shared/datasets/lfw \
//!     [--out bench/document] [--singletons 1500] [--threads 2] [--seed 1] [--finder]
//! ```
//!
//! - The card: by default its true corners (the generator's) are given to
//!   `analyze_document_at`, so this measures the matching apart from the finding (whose rates
//!   `examples/document_eval.rs` measures); `--finder` lets `analyze_document` find it.
//! - Documents: one per identity with two or more photos (its first photo is printed; the others
//!   are its selfies, at most 10), plus `--singletons` identities with one photo (impostor-only
//!   documents). Format, print (grey or colour), ghost image and shot (typical 35 %, far 35 %,
//!   near 10 %, glare 10 %, hard 10 %) are drawn from `--seed` and the photo's name.
//! - Selfies: LFW's photos, at most 10 per identity, embedded as `likeness eval` does (the same
//!   cache file: ~/.cache/likeness/eval/lfw.cache).
//! - Split: identities by the lowest bit of FNV-1a-64(name) (`likeness::eval::half_of`): half A
//!   proposes the thresholds, half B (held out) is what the report quotes. No pair crosses halves.
//! - The score of a pair is its cosine minus the selfie's quality offset (what
//!   `decide_document` adds to a preset), so a threshold found here is the preset's base.
//!
//! Diagnostics: `DOCUMENT_WORST=1` prints the documents whose best genuine score is lowest;
//! `DOCUMENT_DUMP=<Name>/<Name>_0001.jpg` analyses that one document and writes its photo, flat
//! card and rectified card to /tmp/dump_*.png.
//!
//! Writes OUT/report.md and OUT/report.json; the document analyses are cached in
//! ~/.cache/likeness/document/docs-<seed>.json (delete it after changing the generator or the
//! analysis).

#[path = "../tests/common/cards.rs"]
#[allow(dead_code)]
mod cards;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};

use likeness::constants::*;
use likeness::document::DocumentFormat;
use likeness::eval::cache::{embed_images, model_key, EmbeddingCache, Outcome, Variant};
use likeness::eval::dataset::Dataset;
use likeness::eval::half_of;
use likeness::eval::metrics::{fnv1a64, Rate, ScoreHistograms};
use likeness::matching::quality_offset;
use likeness::Likeness;
use serde::{Deserialize, Serialize};

const SELFIES_PER_IDENTITY: usize = 10;
/// Edges of the portrait's inter-eye distance bands (frame px).
const BANDS: [f32; 10] = [6.0, 8.0, 10.0, 12.0, 14.0, 16.0, 20.0, 24.0, 30.0, 40.0];
/// Edges of the glare-share bands.
const GLARE_BANDS: [f32; 5] = [0.0, 0.02, 0.05, 0.1, 0.2];
/// Edges of the portrait sharpness bands (the SDK's `sharpness`).
const SHARPNESS_BANDS: [f32; 7] = [0.0, 2.0, 5.0, 10.0, 20.0, 40.0, 100.0];
const FAR_TARGETS: [(&str, f64); 3] = [("strict", 1e-5), ("medium", 1e-4), ("low", 1e-3)];

/// What the analysis of one generated document gave.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Doc {
    rel_path: String,
    identity: usize,
    shot: String,
    grey: bool,
    /// The generator's truth: the portrait's expected inter-eye distance in frame px.
    truth_eye_dist: f32,
    glare_on_portrait: bool,
    card_found: bool,
    portrait: Option<DocPortrait>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct DocPortrait {
    eye_dist: f32,
    glare: f32,
    sharpness: f32,
    embedding: Vec<f32>,
}

struct Args {
    dataset: PathBuf,
    out: PathBuf,
    singletons: usize,
    threads: usize,
    seed: u64,
    finder: bool,
}

fn parse_args() -> Result<Args, String> {
    let mut it = std::env::args().skip(1);
    let mut a = Args { dataset: PathBuf::new(), out: PathBuf::from("bench/document"), singletons: 1500, threads: 2, seed: 1, finder: false };
    let mut dataset = None;
    while let Some(arg) = it.next() {
        let mut value = || it.next().ok_or_else(|| format!("{arg} needs a value"));
        match arg.as_str() {
            "--out" => a.out = PathBuf::from(value()?),
            "--singletons" => a.singletons = value()?.parse().map_err(|_| "--singletons takes a count")?,
            "--threads" => a.threads = value()?.parse::<usize>().map_err(|_| "--threads takes a count")?.max(1),
            "--seed" => a.seed = value()?.parse().map_err(|_| "--seed takes a number")?,
            "--finder" => a.finder = true,
            _ if arg.starts_with("--") => return Err(format!("unknown option {arg}")),
            _ => dataset = Some(PathBuf::from(arg)),
        }
    }
    a.dataset = dataset.ok_or("the LFW folder is needed")?;
    Ok(a)
}

fn main() -> ExitCode {
    match parse_args().and_then(|a| run(&a)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}

fn cache_dir() -> PathBuf {
    std::env::var_os("HOME").map(PathBuf::from).unwrap_or_else(|| PathBuf::from(".")).join(".cache/likeness")
}

fn run(a: &Args) -> Result<(), String> {
    let started = std::time::Instant::now();
    let sdk = Likeness::from_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("models"), false).map_err(|e| e.to_string())?;
    let ds = Dataset::scan(&a.dataset).map_err(|e| e.to_string())?;
    let selfie_idx = ds.capped(SELFIES_PER_IDENTITY);
    let selfies = embed_selfies(&sdk, &ds, &selfie_idx, a.threads)?;
    let docs = documents(&sdk, &ds, a)?;
    eprintln!("{} documents, {} selfies, {:.0} s", docs.len(), selfies.len(), started.elapsed().as_secs_f64());
    if std::env::var_os("DOCUMENT_WORST").is_some() {
        print_worst(&docs, &selfies);
    }
    let report = measure(&ds, &docs, &selfies);
    std::fs::create_dir_all(&a.out).map_err(|e| e.to_string())?;
    let md = report.markdown(a, &docs, selfies.len(), started.elapsed().as_secs_f64());
    std::fs::write(a.out.join("report.md"), &md).map_err(|e| e.to_string())?;
    std::fs::write(a.out.join("report.json"), serde_json::to_string_pretty(&report).unwrap_or_default()).map_err(|e| e.to_string())?;
    print!("{md}");
    Ok(())
}

/// A selfie: identity, file, embedding and inter-eye distance.
struct Selfie {
    identity: usize,
    rel_path: String,
    eye_dist: f32,
    embedding: Vec<f32>,
}

fn embed_selfies(sdk: &Likeness, ds: &Dataset, idx: &[usize], threads: usize) -> Result<Vec<Selfie>, String> {
    let path = cache_dir().join("eval/lfw.cache");
    let key = model_key();
    let (mut cache, _) = EmbeddingCache::load(&path, &key);
    let missing: Vec<_> = idx.iter().map(|&i| &ds.images[i]).filter(|img| cache.get(Variant::Colour, img).is_none()).collect();
    if !missing.is_empty() {
        eprintln!("embedding {} selfies", missing.len());
        let outcomes = embed_images(sdk, &missing, Variant::Colour, threads, &|done, total| {
            if done % 500 == 0 {
                eprintln!("  {done}/{total}");
            }
        });
        for (img, o) in missing.iter().zip(outcomes) {
            cache.insert(Variant::Colour, img, o);
        }
        if let Some(dir) = path.parent() {
            let _ = std::fs::create_dir_all(dir);
        }
        cache.save(&path).map_err(|e| e.to_string())?;
    }
    Ok(idx
        .iter()
        .filter_map(|&i| {
            let img = &ds.images[i];
            match cache.get(Variant::Colour, img)? {
                Outcome::Face { eye_dist, embedding } => {
                    Some(Selfie { identity: img.identity, rel_path: img.rel_path.clone(), eye_dist: *eye_dist, embedding: embedding.clone() })
                }
                Outcome::Failed { .. } => None,
            }
        })
        .collect())
}

/// The first photo of every identity with two or more, and of `singletons` identities with one.
fn document_sources(ds: &Dataset, singletons: usize) -> Vec<usize> {
    let mut count = vec![0usize; ds.identities.len()];
    let mut first = vec![usize::MAX; ds.identities.len()];
    for (i, img) in ds.images.iter().enumerate() {
        count[img.identity] += 1;
        first[img.identity] = first[img.identity].min(i);
    }
    let mut single: Vec<usize> = (0..ds.identities.len()).filter(|&p| count[p] == 1).collect();
    // A fixed, name-based choice of singletons (the same on every machine).
    single.sort_by_key(|&p| fnv1a64(&ds.identities[p]));
    single.truncate(singletons);
    let mut out: Vec<usize> = (0..ds.identities.len()).filter(|&p| count[p] >= 2).chain(single).map(|p| first[p]).collect();
    out.sort_unstable();
    out
}

fn documents(sdk: &Likeness, ds: &Dataset, a: &Args) -> Result<Vec<Doc>, String> {
    if let Ok(rel) = std::env::var("DOCUMENT_DUMP") {
        let i = ds.images.iter().position(|im| im.rel_path == rel).ok_or("no such image")?;
        return Ok(document(sdk, ds, i, a.seed, a.finder).into_iter().collect());
    }
    let cache = cache_dir().join(format!("document/docs-{}-{}-{}.json", a.seed, a.singletons, if a.finder { "finder" } else { "oracle" }));
    if let Ok(text) = std::fs::read_to_string(&cache) {
        if let Ok(docs) = serde_json::from_str::<Vec<Doc>>(&text) {
            eprintln!("documents from {}", cache.display());
            return Ok(docs);
        }
    }
    let sources = document_sources(ds, a.singletons);
    eprintln!("generating and analysing {} documents", sources.len());
    let next = AtomicUsize::new(0);
    let mut docs: Vec<Doc> = Vec::new();
    std::thread::scope(|scope| {
        let workers: Vec<_> = (0..a.threads)
            .map(|_| {
                scope.spawn(|| {
                    let mut out = Vec::new();
                    loop {
                        let k = next.fetch_add(1, Ordering::Relaxed);
                        let Some(&i) = sources.get(k) else { break };
                        if let Some(d) = document(sdk, ds, i, a.seed, a.finder) {
                            out.push(d);
                        }
                        if (k + 1) % 200 == 0 {
                            eprintln!("  {}/{}", k + 1, sources.len());
                        }
                    }
                    out
                })
            })
            .collect();
        for w in workers {
            if let Ok(out) = w.join() {
                docs.extend(out);
            }
        }
    });
    docs.sort_by(|x, y| x.rel_path.cmp(&y.rel_path));
    if let Some(dir) = cache.parent() {
        let _ = std::fs::create_dir_all(dir);
    }
    let _ = std::fs::write(&cache, serde_json::to_string(&docs).unwrap_or_default());
    Ok(docs)
}

/// The shot kind of a document: typical 35 %, far 35 %, near 10 %, glare 10 %, hard 10 %.
fn shot_kind(r: u64) -> cards::ShotKind {
    match r % 20 {
        0..=6 => cards::ShotKind::Typical,
        7..=13 => cards::ShotKind::Far,
        14..=15 => cards::ShotKind::Near,
        16..=17 => cards::ShotKind::Glare,
        _ => cards::ShotKind::Hard,
    }
}

/// Prints one photo into a card, photographs it and analyses the document.
fn document(sdk: &Likeness, ds: &Dataset, i: usize, seed: u64, finder: bool) -> Option<Doc> {
    let img = &ds.images[i];
    let photo = likeness::decode::decode(&std::fs::read(&img.path).ok()?, &sdk.limits).ok()?;
    let r = cards::mix(seed, fnv1a64(&img.rel_path));
    let grey = r & 1 == 0;
    let spec = cards::CardSpec {
        format: if r & 2 == 0 { cards::Format::Id1 } else { cards::Format::Id3 },
        portrait: cards::portrait_crop(&photo, cards::PORTRAIT_CROP_SCALE),
        print: if grey { cards::Print::Grey } else { cards::Print::Colour },
        ghost: r & 4 != 0 || r & 8 != 0,
        seed: r,
        width_px: 1012,
    };
    let card = cards::render_card(&spec);
    let kind = shot_kind(r >> 8);
    let shot = cards::random_shot(r >> 16, kind);
    let shot_photo = cards::photograph(&card, &shot);
    let dump = std::env::var("DOCUMENT_DUMP").ok().filter(|d| *d == img.rel_path);
    let analysis = if finder {
        sdk.analyze_document(&shot_photo.image).ok()?
    } else {
        let format = if spec.format == cards::Format::Id1 { DocumentFormat::Id1 } else { DocumentFormat::Id3 };
        sdk.analyze_document_at(&shot_photo.image, format, shot_photo.corners).ok()?
    };
    if dump.is_some() {
        let save = |name: &str, im: &likeness::raster::RgbImage| {
            let _ = image::RgbImage::from_raw(im.width(), im.height(), im.as_raw().to_vec()).map(|b| b.save(format!("/tmp/dump_{name}.png")));
        };
        save("shot", &shot_photo.image);
        save("flat", &card.image);
        if let Some(c) = &analysis.card {
            save("card", c);
        }
        eprintln!("portrait {:?} ghosts {:?}", analysis.portrait.as_ref().map(|p| (p.box_in_card, p.eye_dist_frame, p.face.score)), analysis.ghost_faces);
    }
    let portrait = analysis.portrait.and_then(|p| {
        let embedding = likeness::embed::l2_normalize(p.face.embedding?)?;
        Some(DocPortrait { eye_dist: p.eye_dist_frame, glare: p.glare, sharpness: p.sharpness, embedding })
    });
    Some(Doc {
        rel_path: img.rel_path.clone(),
        identity: img.identity,
        shot: kind.name().to_string(),
        grey,
        truth_eye_dist: shot_photo.portrait_eye_dist,
        glare_on_portrait: shot_photo.glare_on_portrait,
        card_found: analysis.document.is_some(),
        portrait,
    })
}

fn dot(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

fn band_of(edges: &[f32], v: f32) -> Option<usize> {
    edges.iter().rposition(|&e| v >= e)
}

fn band_name(edges: &[f32], k: usize) -> String {
    match edges.get(k + 1) {
        Some(hi) => format!("{}–{}", edges[k], hi),
        None => format!("{}+", edges[k]),
    }
}

/// The scores of one half: every decided pair, per portrait size band and per glare band.
#[derive(Default)]
struct Half {
    all: ScoreHistograms,
    by_eye: Vec<ScoreHistograms>,
    by_glare: Vec<ScoreHistograms>,
    by_sharpness: Vec<ScoreHistograms>,
    grey: ScoreHistograms,
    colour: ScoreHistograms,
}

#[derive(Serialize)]
struct PresetRow {
    name: &'static str,
    nominal_far: f64,
    proposed_on_a: Option<f64>,
    current: f64,
    far_b: Rate,
    frr_b: Rate,
    /// What the selfie preset's threshold would give on the same held-out document pairs.
    selfie_threshold: f64,
    selfie_far_b: Rate,
    selfie_frr_b: Rate,
}

#[derive(Serialize)]
struct BandRow {
    band: String,
    genuine_b: u64,
    impostor_b: u64,
    frr_medium_b: Rate,
    far_medium_b: Rate,
    frr_low_b: Rate,
    far_low_b: Rate,
    frr_medium_a: Rate,
}

#[derive(Serialize)]
struct Report {
    documents: usize,
    cards_found: usize,
    portraits_found: usize,
    genuine_pairs: [u64; 2],
    impostor_pairs: [u64; 2],
    refused: [u64; 2],
    presets: Vec<PresetRow>,
    by_eye_dist: Vec<BandRow>,
    by_glare: Vec<BandRow>,
    by_sharpness: Vec<BandRow>,
    grey_vs_colour: Vec<BandRow>,
    /// Genuine and impostor histograms of half B, in 0.05 bins from -0.2 to 1.0.
    distribution_b: Vec<(f32, u64, u64)>,
}

fn measure(ds: &Dataset, docs: &[Doc], selfies: &[Selfie]) -> Report {
    let half_of_id: Vec<u8> = ds.identities.iter().map(|n| half_of(n)).collect();
    let mut halves = [Half::default(), Half::default()];
    for h in &mut halves {
        h.by_eye = vec![ScoreHistograms::default(); BANDS.len()];
        h.by_glare = vec![ScoreHistograms::default(); GLARE_BANDS.len()];
        h.by_sharpness = vec![ScoreHistograms::default(); SHARPNESS_BANDS.len()];
    }
    let mut refused = [0u64; 2];
    let mut raw_b: Vec<(f32, bool)> = Vec::new();
    for d in docs {
        let Some(p) = &d.portrait else { continue };
        let half = half_of_id[d.identity] as usize;
        for s in selfies.iter().filter(|s| half_of_id[s.identity] as usize == half && s.rel_path != d.rel_path) {
            let genuine = s.identity == d.identity;
            let score = dot(&p.embedding, &s.embedding) - quality_offset(s.eye_dist);
            let h = &mut halves[half];
            if let Some(k) = band_of(&BANDS, p.eye_dist) {
                h.by_eye[k].add(score, genuine);
            }
            if p.eye_dist >= DOCUMENT_MIN_EYE_DIST {
                if let Some(k) = band_of(&GLARE_BANDS, p.glare) {
                    h.by_glare[k].add(score, genuine);
                }
                if let Some(k) = band_of(&SHARPNESS_BANDS, p.sharpness) {
                    h.by_sharpness[k].add(score, genuine);
                }
            }
            let decided = p.eye_dist >= DOCUMENT_MIN_EYE_DIST
                && p.glare <= DOCUMENT_MAX_PORTRAIT_GLARE
                && p.sharpness >= DOCUMENT_MIN_PORTRAIT_SHARPNESS;
            if !decided {
                refused[half] += 1;
                continue;
            }
            h.all.add(score, genuine);
            if d.grey { h.grey.add(score, genuine) } else { h.colour.add(score, genuine) }
            if half == 1 && (genuine || raw_b.len() < 2_000_000) {
                raw_b.push((score, genuine));
            }
        }
    }
    let [a, b] = &halves;
    let current = [DOCUMENT_THRESHOLD_STRICT, DOCUMENT_THRESHOLD_MEDIUM, DOCUMENT_THRESHOLD_LOW];
    let selfie = [THRESHOLD_STRICT, THRESHOLD_MEDIUM, THRESHOLD_LOW];
    let presets = FAR_TARGETS
        .iter()
        .zip(current.iter().zip(selfie))
        .map(|(&(name, far), (&t, st))| PresetRow {
            name,
            nominal_far: far,
            proposed_on_a: a.all.threshold_for_far(far),
            current: t as f64,
            far_b: b.all.far(t as f64),
            frr_b: b.all.frr(t as f64),
            selfie_threshold: st as f64,
            selfie_far_b: b.all.far(st as f64),
            selfie_frr_b: b.all.frr(st as f64),
        })
        .collect();
    let row = |name: String, hb: &ScoreHistograms, ha: &ScoreHistograms| BandRow {
        band: name,
        genuine_b: hb.genuine.total(),
        impostor_b: hb.impostor.total(),
        frr_medium_b: hb.frr(DOCUMENT_THRESHOLD_MEDIUM as f64),
        far_medium_b: hb.far(DOCUMENT_THRESHOLD_MEDIUM as f64),
        frr_low_b: hb.frr(DOCUMENT_THRESHOLD_LOW as f64),
        far_low_b: hb.far(DOCUMENT_THRESHOLD_LOW as f64),
        frr_medium_a: ha.frr(DOCUMENT_THRESHOLD_MEDIUM as f64),
    };
    let by_eye = (0..BANDS.len()).map(|k| row(band_name(&BANDS, k), &b.by_eye[k], &a.by_eye[k])).collect();
    let by_glare = (0..GLARE_BANDS.len()).map(|k| row(band_name(&GLARE_BANDS, k), &b.by_glare[k], &a.by_glare[k])).collect();
    let by_sharpness = (0..SHARPNESS_BANDS.len()).map(|k| row(band_name(&SHARPNESS_BANDS, k), &b.by_sharpness[k], &a.by_sharpness[k])).collect();
    let grey_vs_colour = vec![row("grey print".into(), &b.grey, &a.grey), row("colour print".into(), &b.colour, &a.colour)];
    let mut distribution_b: Vec<(f32, u64, u64)> = (0..24).map(|k| (-0.2 + 0.05 * k as f32, 0, 0)).collect();
    for (score, genuine) in raw_b {
        let k = (((score + 0.2) / 0.05).floor().max(0.0) as usize).min(23);
        if genuine { distribution_b[k].1 += 1 } else { distribution_b[k].2 += 1 }
    }
    let count = |half: &Half| (half.all.genuine.total(), half.all.impostor.total());
    let ((ga, ia), (gb, ib)) = (count(a), count(b));
    Report {
        documents: docs.len(),
        cards_found: docs.iter().filter(|d| d.card_found).count(),
        portraits_found: docs.iter().filter(|d| d.portrait.is_some()).count(),
        genuine_pairs: [ga, gb],
        impostor_pairs: [ia, ib],
        refused,
        presets,
        by_eye_dist: by_eye,
        by_glare,
        by_sharpness,
        grey_vs_colour,
        distribution_b,
    }
}

fn pct(r: &Rate) -> String {
    format!("{:.2} % [{:.2}, {:.2}] ({}/{})", 100.0 * r.rate, 100.0 * r.ci95[0], 100.0 * r.ci95[1], r.errors, r.trials)
}

fn sci(r: &Rate) -> String {
    format!("{:.2e} [{:.2e}, {:.2e}] ({}/{})", r.rate, r.ci95[0], r.ci95[1], r.errors, r.trials)
}

impl Report {
    fn markdown(&self, a: &Args, docs: &[Doc], selfies: usize, seconds: f64) -> String {
        let mut s = String::new();
        let when = likeness::clock::now_iso8601().unwrap_or_default();
        s += "# Document mode on generated ID documents\n\n";
        s += &format!(
            "`cargo run --release --example document_calibrate -- {} --singletons {} --seed {}{}` on {when}, {:.0} s. \
             The card: {}. \
             {} documents (LFW photos printed into generated cards and photographed: tests/common/cards.rs), {} selfies (LFW, at most {} per identity). \
             Identities split by `half_of` (FNV-1a-64 of the name): half A proposes, half B is held out; no pair crosses halves. \
             Scores are cosine minus the selfie's quality offset; pairs are decided only with the portrait's inter-eye distance ≥ {} px, glare ≤ {}, sharpness ≥ {} (src/constants.rs).\n\n",
            a.dataset.display(), a.singletons, a.seed, if a.finder { " --finder" } else { "" }, seconds,
            if a.finder { "found by `analyze_document` (finding and matching together)" } else { "its true corners given to `analyze_document_at` (the matching alone; finding is measured by examples/document_eval.rs)" }, self.documents, selfies, SELFIES_PER_IDENTITY,
            DOCUMENT_MIN_EYE_DIST, DOCUMENT_MAX_PORTRAIT_GLARE, DOCUMENT_MIN_PORTRAIT_SHARPNESS
        );
        s += &format!(
            "Cards found: {}/{}; portraits found: {}/{}. Decided pairs: half A {} genuine / {} impostor, half B {} genuine / {} impostor; refused pairs A {} / B {}.\n\n",
            self.cards_found, self.documents, self.portraits_found, self.documents,
            self.genuine_pairs[0], self.impostor_pairs[0], self.genuine_pairs[1], self.impostor_pairs[1], self.refused[0], self.refused[1]
        );
        s += "## Presets (held-out half B)\n\n| preset | nominal FAR | proposed on A | threshold in use | FAR on B | FRR on B | selfie preset's threshold | its FAR on B | its FRR on B |\n|---|---|---|---|---|---|---|---|---|\n";
        for p in &self.presets {
            s += &format!(
                "| {} | {:.0e} | {} | {:.4} | {} | {} | {:.4} | {} | {} |\n",
                p.name, p.nominal_far, p.proposed_on_a.map_or("-".into(), |t| format!("{t:.4}")), p.current,
                sci(&p.far_b), pct(&p.frr_b), p.selfie_threshold, sci(&p.selfie_far_b), pct(&p.selfie_frr_b)
            );
        }
        let table = |title: &str, rows: &[BandRow]| {
            let mut t = format!("\n## {title}\n\n| band | genuine B | impostor B | FRR medium B | FAR medium B | FRR low B | FAR low B | FRR medium A |\n|---|---|---|---|---|---|---|---|\n");
            for r in rows {
                t += &format!(
                    "| {} | {} | {} | {} | {} | {} | {} | {} |\n",
                    r.band, r.genuine_b, r.impostor_b, pct(&r.frr_medium_b), sci(&r.far_medium_b), pct(&r.frr_low_b), sci(&r.far_low_b), pct(&r.frr_medium_a)
                );
            }
            t
        };
        s += &table("By the portrait's inter-eye distance (frame px; every pair, before the refusals)", &self.by_eye_dist);
        s += &table("By glare over the portrait (share of its pixels; portraits ≥ the minimum size)", &self.by_glare);
        s += &table("By the portrait's sharpness (portraits ≥ the minimum size)", &self.by_sharpness);
        s += &table("Grey and colour prints (decided pairs)", &self.grey_vs_colour);
        s += "\n## Score distribution, half B (decided pairs; impostors sampled up to 2 M)\n\n| cosine from | genuine | impostor |\n|---|---|---|\n";
        for (from, g, i) in &self.distribution_b {
            s += &format!("| {from:.2} | {g} | {i} |\n");
        }
        let mut by_shot: HashMap<&str, (usize, usize, usize)> = HashMap::new();
        for d in docs {
            let e = by_shot.entry(d.shot.as_str()).or_default();
            e.0 += 1;
            e.1 += usize::from(d.card_found);
            e.2 += usize::from(d.portrait.is_some());
        }
        let mut shots: Vec<_> = by_shot.into_iter().collect();
        shots.sort();
        s += "\n## Portrait detection by its true inter-eye distance (frame px, the generator's)\n\n| band | documents | portrait found |\n|---|---|---|\n";
        for k in 0..BANDS.len() {
            let in_band: Vec<&Doc> = docs.iter().filter(|d| band_of(&BANDS, d.truth_eye_dist) == Some(k)).collect();
            let found = in_band.iter().filter(|d| d.portrait.is_some()).count();
            s += &format!("| {} | {} | {} ({:.0} %) |\n", band_name(&BANDS, k), in_band.len(), found, 100.0 * found as f64 / in_band.len().max(1) as f64);
        }
        s += "\n## Documents by shot kind\n\n| shot | documents | card found | portrait found |\n|---|---|---|---|\n";
        for (shot, (n, c, p)) in shots {
            s += &format!("| {shot} | {n} | {c} | {p} |\n");
        }
        s
    }
}

/// Diagnostics (`DOCUMENT_WORST=1`): the documents whose best genuine similarity is lowest.
fn print_worst(docs: &[Doc], selfies: &[Selfie]) {
    let mut rows: Vec<(f32, &Doc)> = docs
        .iter()
        .filter_map(|d| {
            let p = d.portrait.as_ref()?;
            let best = selfies
                .iter()
                .filter(|s| s.identity == d.identity && s.rel_path != d.rel_path)
                .map(|s| dot(&p.embedding, &s.embedding))
                .fold(f32::NAN, f32::max);
            best.is_finite().then_some((best, d))
        })
        .collect();
    rows.sort_by(|a, b| a.0.total_cmp(&b.0));
    let by_kind = |k: &str| rows.iter().filter(|r| r.1.shot == k).map(|r| r.0).collect::<Vec<_>>();
    for k in ["typical", "far", "near", "glare", "hard"] {
        let v = by_kind(k);
        let low = v.iter().filter(|&&x| x < 0.3).count();
        eprintln!("{k}: {} docs with genuine selfies, {low} with best genuine < 0.3", v.len());
    }
    for (best, d) in rows.iter().take(25) {
        let p = d.portrait.as_ref().map(|p| (p.eye_dist, p.glare, p.sharpness)).unwrap_or_default();
        eprintln!("{best:.3} {} {} grey={} truth_eye={:.1} eye={:.1} glare={:.3} sharp={:.1}", d.rel_path, d.shot, d.grey, d.truth_eye_dist, p.0, p.1, p.2);
    }
}
