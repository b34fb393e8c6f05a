//! `document_eval --scenes N` (and `--people N` alone): real photos of people, no document —
//! the case the real-photo check counts ("ordinary photos of people given a card").
//! Generated scenes cannot say it: the finder learned from them. These are LFW photos of the
//! identities training never saw (`half_of` = 1, the held-out half; the training scenes draw
//! people from half 0 only), one per person, whole; the bbt group shots (../shared/datasets/bbt);
//! and the committed photos (tests/fixtures). Each goes through `analyze_document` as a user's
//! upload would.

use std::path::{Path, PathBuf};

use crate::common::scenes::datasets;
use likeness::raster::RgbImage;
use likeness::Likeness;

/// The photos of one source that were given a card, of how many.
pub struct Outcome {
    pub source: &'static str,
    pub n: usize,
    pub carded: Vec<String>,
}

fn decode(path: &Path) -> Option<RgbImage> {
    likeness::decode::decode(&std::fs::read(path).ok()?, &Default::default()).ok()
}

/// Up to `limit` held-out LFW identities (every identity of half 1, in name order, spread by a
/// stride), each its last photo.
fn lfw_held(limit: usize) -> Vec<(String, PathBuf)> {
    let lfw = datasets().join("lfw");
    let mut names: Vec<String> = std::fs::read_dir(&lfw)
        .map(|d| d.flatten().filter(|e| e.path().is_dir()).map(|e| e.file_name().to_string_lossy().into_owned()).collect())
        .unwrap_or_default();
    names.retain(|n| likeness::eval::half_of(n) == 1);
    names.sort();
    let stride = (names.len() / limit.max(1)).max(1);
    names
        .iter()
        .step_by(stride)
        .take(limit)
        .filter_map(|n| {
            let last = std::fs::read_dir(lfw.join(n)).ok()?.flatten().map(|e| e.path()).filter(|p| p.extension().is_some_and(|e| e == "jpg")).max()?;
            Some((n.clone(), last))
        })
        .collect()
}

fn bbt_groups() -> Vec<(String, PathBuf)> {
    (1..=5).map(|i| (format!("bbt{i}"), datasets().join(format!("bbt/bbt{i}.jpg")))).filter(|(_, p)| p.exists()).collect()
}

fn committed() -> Vec<(String, PathBuf)> {
    let images = crate::common::root().join("tests/fixtures/images");
    let mut v: Vec<(String, PathBuf)> = ["obama.jpg", "obama2.jpg", "obama3.jpg", "biden.jpg"].iter().map(|f| (f.to_string(), images.join(f))).collect();
    v.extend(["two_faces", "obama_dark", "obama_eyes_bar", "obama_mouth_block", "obama_partial_face", "obama_mirrored"].iter().map(|n| (n.to_string(), crate::common::golden_dir().join(format!("{n}.png")))));
    v
}

fn measure(sdk: &Likeness, source: &'static str, photos: Vec<(String, PathBuf)>) -> Result<Outcome, String> {
    let mut out = Outcome { source, n: 0, carded: Vec::new() };
    for (name, path) in photos {
        let Some(img) = decode(&path) else { continue };
        out.n += 1;
        let a = sdk.analyze_document(&img).map_err(|e| format!("{name}: {e}"))?;
        if a.document.is_some() {
            out.carded.push(name);
        }
    }
    Ok(out)
}

/// The three sources, `lfw` LFW photos at most.
pub fn run(sdk: &Likeness, lfw: usize) -> Result<Vec<Outcome>, String> {
    Ok(vec![measure(sdk, "LFW, held-out identities", lfw_held(lfw))?, measure(sdk, "bbt group shots", bbt_groups())?, measure(sdk, "committed photos", committed())?])
}

/// The report's section: per source, photos given a card with the 95 % Wilson interval.
pub fn report(outcomes: &[Outcome]) -> String {
    let mut s = String::from("\n## Real photos of people, no document\n\n| photos | n | given a card | 95 % interval | which |\n|---|---|---|---|---|\n");
    for o in outcomes {
        let (lo, hi) = likeness::eval::metrics::wilson(o.carded.len() as u64, o.n as u64, 1.96);
        let which = if o.carded.is_empty() { "–".to_string() } else { o.carded.iter().take(8).cloned().collect::<Vec<_>>().join(", ") };
        s += &format!("| {} | {} | {} ({:.1} %) | {:.1}–{:.1} % | {which} |\n", o.source, o.n, o.carded.len(), 100.0 * o.carded.len() as f64 / o.n.max(1) as f64, 100.0 * lo, 100.0 * hi);
    }
    s
}
