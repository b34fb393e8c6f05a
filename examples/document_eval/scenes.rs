//! `document_eval --scenes N`: the card finder on held-out generated scenes
//! (tests/common/scenes.rs, `Split::Held`: other backgrounds and other faces than training's),
//! the learned finder beside the classical one on the same frames. The figures of
//! docs/document.md ("The learned card finder") and bench/document/scenes/.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Instant;

use crate::common::scenes::{self, Scene, SceneKind, Sources, Split};
use likeness::document::DocumentInstruction;
use likeness::raster::RgbImage;
use likeness::Likeness;

/// The old still path's finder, for the before/after: the classical finder's best quad, else
/// the whole image when its aspect is within 5 % of a card's (the scan fallback).
fn classical(img: &RgbImage) -> Option<[[f32; 2]; 4]> {
    if let Some(c) = likeness::document::find_card(img) {
        return Some(c.corners);
    }
    let (w, h) = (img.width() as f32, img.height() as f32);
    let aspect = w.max(h) / w.min(h);
    [85.6f32 / 54.0, 125.0 / 88.0].iter().any(|a| (aspect / a - 1.0).abs() <= 0.05).then_some([[0.0, 0.0], [w, 0.0], [w, h], [0.0, h]])
}

#[derive(Default, Clone)]
struct Row {
    n: usize,
    found: usize,
    iou: Vec<f32>,
    /// The model's own quad, before the frame's edges refined it (learned finder only).
    iou_proposal: Vec<f32>,
    documents: usize,
    portrait_n: usize,
    portrait_right: usize,
    fit_said: usize,
    ms_find: Vec<f64>,
    ms_analyze: Vec<f64>,
}

fn median(v: &[f64]) -> f64 {
    let mut s = v.to_vec();
    s.sort_by(f64::total_cmp);
    s.get(s.len() / 2).copied().unwrap_or(0.0)
}

pub struct Options {
    pub n: usize,
    pub seed: u64,
    pub long: u32,
    pub dump: Option<PathBuf>,
    pub out: Option<PathBuf>,
    /// Write the scenes (JPEG 92) and their truth here instead of measuring (bench/document/web).
    pub frames: Option<PathBuf>,
    /// Real photos of people (LFW's held-out identities) measured after the scenes.
    pub people: usize,
}

fn scene_seed(o: &Options, kind: SceneKind, i: usize) -> u64 {
    0x00e7_a100_0000 + o.seed * 1_000_000 + (kind as u64) * 10_000 + i as u64
}

/// The held-out scenes as files for the browser benchmark: `KIND_III.jpg` and `truth.json`.
fn write_frames(dir: &std::path::Path, src: &Sources, o: &Options) -> Result<(), String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let mut truth = Vec::new();
    for kind in SceneKind::ALL {
        for i in 0..o.n {
            let scene = scenes::random_scene(scene_seed(o, kind, i), Some(kind), src, o.long);
            let file = format!("{}_{i:03}.jpg", kind.name());
            let (w, h) = (scene.image.width(), scene.image.height());
            let mut bytes = Vec::new();
            image::codecs::jpeg::JpegEncoder::new_with_quality(&mut bytes, 92)
                .encode(scene.image.as_raw(), w, h, image::ExtendedColorType::Rgb8)
                .map_err(|e| e.to_string())?;
            std::fs::write(dir.join(&file), bytes).map_err(|e| e.to_string())?;
            truth.push(serde_json::json!({
                "file": file, "kind": kind.name(), "width": w, "height": h, "quad": scene.quad,
                "portrait_quad": scene.portrait_quad, "upright_card": scene.upright_card, "visible": scene.visible,
            }));
        }
    }
    std::fs::write(dir.join("truth.json"), serde_json::to_string(&truth).map_err(|e| e.to_string())?).map_err(|e| e.to_string())?;
    println!("{} scenes written to {}", truth.len(), dir.display());
    Ok(())
}

pub fn run(sdk: &Likeness, o: &Options) -> Result<(), String> {
    let t0 = Instant::now();
    let src = Sources::load(Split::Held, 3000, 2048);
    println!("held-out sources: {} backdrops, {} people; {} scenes per kind at a long side of {} px", src.backdrops.len(), src.people.len(), o.n, o.long);
    if let Some(dir) = &o.frames {
        return write_frames(dir, &src, o);
    }
    let (mut learned, mut before) = (BTreeMap::<SceneKind, Row>::new(), BTreeMap::<SceneKind, Row>::new());
    let mut worst: Vec<(f32, String)> = Vec::new();
    for kind in SceneKind::ALL {
        for i in 0..o.n {
            let scene = scenes::random_scene(scene_seed(o, kind, i), Some(kind), &src, o.long);
            let (l, b) = (learned.entry(kind).or_default(), before.entry(kind).or_default());
            let id = format!("{}_{i:03}", kind.name());
            let said_before = l.documents;
            let seen = measure(sdk, &scene, l, b)?;
            if let Some(iou) = seen.iou {
                worst.push((iou, id.clone()));
            }
            if let Some(dir) = &o.dump {
                let bad = match seen.iou {
                    Some(iou) => iou < 0.9,
                    None => l.documents > said_before,
                };
                if bad {
                    eprintln!("  {id}: presence {:.2}, Jaccard of the model's quad {:.3}, refined {:.3}", seen.presence, seen.iou_proposal.unwrap_or(0.0), seen.iou.unwrap_or(0.0));
                    dump(dir, &id, &scene, &seen);
                }
            }
        }
        let l = &learned[&kind];
        eprintln!("{:<8} found {}/{} documents {} ({:.0} s)", kind.name(), l.found, l.n, l.documents, t0.elapsed().as_secs_f32());
    }
    let real = crate::people::run(sdk, o.people)?;
    let report = report(&learned, &before, o, t0.elapsed().as_secs_f64()) + &crate::people::report(&real);
    println!("{report}");
    if let Some(out) = &o.out {
        std::fs::write(out, &report).map_err(|e| format!("{}: {e}", out.display()))?;
    }
    worst.sort_by(|a, b| a.0.total_cmp(&b.0));
    println!("worst: {}", worst.iter().take(12).map(|(v, id)| format!("{id} {v:.2}")).collect::<Vec<_>>().join(", "));
    Ok(())
}

/// What one scene gave the learned finder.
struct Seen {
    presence: f32,
    /// Jaccard index of the found card, and of the model's quad before refinement (documents only).
    iou: Option<f32>,
    iou_proposal: Option<f32>,
    card: Option<[[f32; 2]; 4]>,
    proposal: Option<[[f32; 2]; 4]>,
}

/// A scene the finder got wrong, with the truth (green), the model's quad (blue) and the
/// refined card (red) drawn on it.
fn dump(dir: &std::path::Path, id: &str, scene: &Scene, seen: &Seen) {
    let Some(mut im) = image::RgbImage::from_raw(scene.image.width(), scene.image.height(), scene.image.as_raw().to_vec()) else { return };
    for (q, colour) in [(scene.quad, [0, 255, 0]), (seen.proposal, [0, 80, 255]), (seen.card, [255, 0, 0])] {
        if let Some(q) = q {
            for i in 0..4 {
                draw_line(&mut im, q[i], q[(i + 1) % 4], colour);
            }
        }
    }
    let _ = std::fs::create_dir_all(dir);
    let _ = im.save(dir.join(format!("{id}.jpg")));
}

fn draw_line(im: &mut image::RgbImage, a: [f32; 2], b: [f32; 2], colour: [u8; 3]) {
    let steps = (a[0] - b[0]).abs().max((a[1] - b[1]).abs()).ceil().clamp(1.0, 10_000.0) as usize;
    for s in 0..=steps {
        let t = s as f32 / steps as f32;
        let (x, y) = (a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1]));
        for (dx, dy) in [(0, 0), (1, 0), (0, 1), (1, 1)] {
            let (px, py) = (x as i64 + dx, y as i64 + dy);
            if px >= 0 && py >= 0 && (px as u32) < im.width() && (py as u32) < im.height() {
                im.put_pixel(px as u32, py as u32, image::Rgb(colour));
            }
        }
    }
}

/// One scene through both finders.
fn measure(sdk: &Likeness, scene: &Scene, l: &mut Row, b: &mut Row) -> Result<Seen, String> {
    let img = &scene.image;
    let frame = [img.width() as f32, img.height() as f32];
    let t = Instant::now();
    let finding = sdk.find_document(img).map_err(|e| e.to_string())?;
    l.ms_find.push(t.elapsed().as_secs_f64() * 1000.0);
    let t = Instant::now();
    let analysis = sdk.analyze_document(img).map_err(|e| e.to_string())?;
    l.ms_analyze.push(t.elapsed().as_secs_f64() * 1000.0);
    let t = Instant::now();
    let old = classical(img);
    b.ms_find.push(t.elapsed().as_secs_f64() * 1000.0);
    l.n += 1;
    b.n += 1;
    let got = finding.card.map(|c| c.corners);
    l.documents += got.is_some() as usize;
    b.documents += old.is_some() as usize;
    let mut seen = Seen { presence: finding.presence, iou: None, iou_proposal: None, card: got, proposal: finding.proposal };
    let Some(truth) = scene.quad else { return Ok(seen) };
    let iou_of = |q: Option<[[f32; 2]; 4]>| q.map(|q| scenes::quad_iou(&q, &truth, frame)).unwrap_or(0.0);
    let (il, ib, ip) = (iou_of(got), iou_of(old), iou_of(finding.proposal));
    l.iou.push(il);
    b.iou.push(ib);
    l.iou_proposal.push(ip);
    l.found += (il >= 0.9) as usize;
    b.found += (ib >= 0.9) as usize;
    (seen.iou, seen.iou_proposal) = (Some(il), Some(ip));
    if scene.kind == SceneKind::Cut {
        l.fit_said += (analysis.instruction.instruction == DocumentInstruction::FitDocumentInFrame) as usize;
    }
    if let (Some(pq), false) = (scene.portrait_quad, scene.upright_card) {
        if scene.kind != SceneKind::Cut {
            l.portrait_n += 1;
            let right = analysis.portrait.as_ref().is_some_and(|p| crate::inside(crate::centre(&p.box_in_frame), &pq));
            l.portrait_right += right as usize;
        }
    }
    Ok(seen)
}

/// Mean of Jaccard indices (0 for none).
fn mean_of(v: &[f32]) -> f32 {
    v.iter().sum::<f32>() / v.len().max(1) as f32
}

/// How many indices count as found (≥ 0.9).
fn found(v: &[f32]) -> usize {
    v.iter().filter(|&&i| i >= 0.9).count()
}

fn pct(a: usize, b: usize) -> String {
    if b == 0 { "–".into() } else { format!("{:.1} %", 100.0 * a as f64 / b as f64) }
}

fn report(learned: &BTreeMap<SceneKind, Row>, before: &BTreeMap<SceneKind, Row>, o: &Options, secs: f64) -> String {
    let mut s = String::new();
    s += &format!("# The card finder on held-out generated scenes\n\n`cargo run --release --example document_eval -- --scenes {} --seed {} --long {} --people {}` on {}, {} ({:.0} s). Scenes: tests/common/scenes.rs, `Split::Held` (backdrops and people not used in training). Found: Jaccard index of the quad with the truth ≥ 0.9 (for cut cards, of the parts inside the frame); the mean index counts a miss as 0. Portrait: the found portrait's box centre inside the printed portrait (fully visible landscape cards). Times: this machine, one thread, native release.\n\n", o.n, o.seed, o.long, o.people, likeness::eval::report::utc_now(), likeness::eval::report::machine(), secs);
    s += "| scenes | n | found (learned) | mean Jaccard (learned) | model's quad alone: found / mean | found (classical) | mean Jaccard (classical) | portrait right | FIT_DOCUMENT_IN_FRAME | documents said (learned / classical) | find_document median | analyze_document median |\n|---|---|---|---|---|---|---|---|---|---|---|---|\n";
    let mut all_l = Row::default();
    let mut all_b = Row::default();
    for (kind, l) in learned {
        let b = &before[kind];
        let avg = |v: &[f32]| if v.is_empty() { "–".to_string() } else { format!("{:.3}", mean_of(v)) };
        let mean = |r: &Row| avg(&r.iou);
        let has = kind.has_document();
        s += &format!(
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} / {} | {:.1} ms | {:.1} ms |\n",
            kind.name(), l.n,
            if has { pct(l.found, l.n) } else { "–".into() }, mean(l),
            if has { format!("{} / {}", pct(found(&l.iou_proposal), l.n), avg(&l.iou_proposal)) } else { "–".into() },
            if has { pct(b.found, b.n) } else { "–".into() }, mean(b),
            pct(l.portrait_right, l.portrait_n),
            if *kind == SceneKind::Cut { pct(l.fit_said, l.n) } else { "–".into() },
            pct(l.documents, l.n), pct(b.documents, b.n),
            median(&l.ms_find), median(&l.ms_analyze),
        );
        if has && *kind != SceneKind::Cut {
            all_l.n += l.n; all_l.found += l.found; all_l.iou.extend(&l.iou); all_l.iou_proposal.extend(&l.iou_proposal); all_l.portrait_n += l.portrait_n; all_l.portrait_right += l.portrait_right;
            all_b.n += b.n; all_b.found += b.found; all_b.iou.extend(&b.iou);
        }
    }
    let mean = |r: &Row| mean_of(&r.iou);
    let proposal = mean_of(&all_l.iou_proposal);
    s += &format!("\nFully visible documents (typical, far, near, scan): learned {} found, mean Jaccard {:.3} (the model's quad before refinement: {} found, mean {proposal:.3}); classical {} found, mean {:.3}; portrait right {}.\n", pct(all_l.found, all_l.n), mean(&all_l), pct(found(&all_l.iou_proposal), all_l.n), pct(all_b.found, all_b.n), mean(&all_b), pct(all_l.portrait_right, all_l.portrait_n));
    let neg: usize = learned.iter().filter(|(k, _)| !k.has_document()).map(|(_, r)| r.documents).sum();
    let neg_b: usize = before.iter().filter(|(k, _)| !k.has_document()).map(|(_, r)| r.documents).sum();
    let neg_n: usize = learned.iter().filter(|(k, _)| !k.has_document()).map(|(_, r)| r.n).sum();
    s += &format!("Scenes without a document given one: learned {neg}/{neg_n} ({}), classical {neg_b}/{neg_n} ({}).\n", pct(neg, neg_n), pct(neg_b, neg_n));
    s
}
