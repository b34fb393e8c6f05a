//! Measures the document analysis (src/document) on generated documents (tests/common/cards.rs):
//! card found rate, corner error, reading (0/180°) right, portrait found rate, ghost and
//! background faces chosen (must be 0), glare-on-portrait detection, portrait detection rate by
//! inter-eye distance, time per image. The figures of docs/document.md.
//!
//! ```text
//! cargo run --release --example document_eval -- [--n 40] [--seed 1] [--kinds typical,far,...] [--dump DIR] [--verbose]
//! ```
//! `--n` shots per ShotKind. Portraits: the committed golden photos and, when present, LFW
//! (../shared/datasets/lfw or $LIKENESS_DATASETS/lfw, one photo per person, every 37th person).
//! `--dump DIR` writes the photos the analysis got wrong (PNG) for looking at.
//!
//! ```text
//! cargo run --release --example document_eval -- --scenes 60 [--seed 1] [--long 1920] [--people 3000] [--out FILE.md] [--dump DIR] [--write-frames DIR]
//! cargo run --release --example document_eval -- --people 3000
//! ```
//! The card finder on held-out scenes (tests/common/scenes.rs), the learned finder beside the
//! classical one: examples/document_eval/scenes.rs; then real photos of people with no document
//! (LFW's held-out identities, bbt's group shots, the committed photos; `--people` alone runs
//! only these): examples/document_eval/people.rs.

#[path = "../tests/common/mod.rs"]
mod common;
#[path = "document_eval/people.rs"]
mod people;
#[path = "document_eval/scenes.rs"]
mod scene_eval;

use common::cards;

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use cards::{CardSpec, Format, Print, ShotKind};
use likeness::constants::GLARE_MAX_SHARE;
use likeness::raster::RgbImage;
use likeness::Likeness;

const BANDS: [(f32, f32); 7] = [(6.0, 8.0), (8.0, 10.0), (10.0, 12.0), (12.0, 16.0), (16.0, 24.0), (24.0, 40.0), (40.0, f32::INFINITY)];

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let (mut n, mut seed, mut kinds, mut dump, mut verbose, mut card_only, mut first) = (40usize, 1u64, ShotKind::ALL.to_vec(), None::<PathBuf>, false, false, 0usize);
    let (mut scenes, mut long, mut out, mut frames, mut people_n) = (0usize, 1920u32, None::<PathBuf>, None::<PathBuf>, None::<usize>);
    while let Some(a) = args.next() {
        let v = |args: &mut dyn Iterator<Item = String>| args.next().unwrap_or_default();
        match a.as_str() {
            "--n" => n = v(&mut args).parse().unwrap_or(n),
            "--seed" => seed = v(&mut args).parse().unwrap_or(seed),
            "--kinds" => {
                let list = v(&mut args);
                kinds = ShotKind::ALL.into_iter().filter(|k| list.split(',').any(|s| s == k.name())).collect();
            }
            "--dump" => dump = Some(PathBuf::from(v(&mut args))),
            "--verbose" => verbose = true,
            "--card-only" => card_only = true,
            "--first" => first = v(&mut args).parse().unwrap_or(first),
            "--scenes" => scenes = v(&mut args).parse().unwrap_or(scenes),
            "--long" => long = v(&mut args).parse().unwrap_or(long),
            "--out" => out = Some(PathBuf::from(v(&mut args))),
            "--write-frames" => frames = Some(PathBuf::from(v(&mut args))),
            "--people" => people_n = v(&mut args).parse().ok(),
            _ => {
                eprintln!("usage: document_eval [--n N] [--seed S] [--kinds a,b] [--dump DIR] [--verbose] [--card-only] | --scenes N [--long PX] [--people N] [--out FILE] [--write-frames DIR] | --people N");
                return ExitCode::from(2);
            }
        }
    }
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let sdk = match Likeness::from_dir(root.join("models"), false) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    if let (0, Some(n)) = (scenes, people_n) {
        return match people::run(&sdk, n) {
            Ok(o) => {
                println!("{}", people::report(&o));
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::FAILURE
            }
        };
    }
    if scenes > 0 {
        let o = scene_eval::Options { n: scenes, seed, long, dump, out, frames, people: people_n.unwrap_or(3000) };
        return match scene_eval::run(&sdk, &o) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::FAILURE
            }
        };
    }
    let sources = portraits(200);
    if sources.is_empty() {
        eprintln!("error: no portraits");
        return ExitCode::FAILURE;
    }
    if let Some(d) = &dump {
        let _ = std::fs::create_dir_all(d);
    }
    println!("portraits: {} ({} from LFW)", sources.len(), sources.iter().filter(|(lfw, _)| *lfw).count());
    let mut all = Stats::default();
    for kind in kinds {
        let mut st = Stats::default();
        for i in first..n {
            let s = seed.wrapping_mul(100_003).wrapping_add(i as u64 * 7919 + kind as u64 * 1_000_003);
            let (_, portrait) = &sources[(i * 7 + kind as usize * 3) % sources.len()];
            let spec = CardSpec {
                format: if i % 2 == 0 { Format::Id1 } else { Format::Id3 },
                portrait: portrait.clone(),
                print: if (i / 2) % 2 == 0 { Print::Colour } else { Print::Grey },
                ghost: i % 5 != 4,
                seed: s,
                width_px: 1012,
            };
            let card = cards::render_card(&spec);
            let others: Vec<RgbImage> = sources.iter().map(|(_, p)| p.clone()).skip(i % 3).step_by(5).take(8).collect();
            let shot = cards::random_shot_among(s, kind, &others);
            let photo = cards::photograph(&card, &shot);
            if card_only {
                // The finder alone (no face model): corner error and time per find_card.
                let started = Instant::now();
                let found = likeness::document::find_card(&photo.image);
                let ms = started.elapsed().as_secs_f64() * 1000.0;
                let outcome = Outcome::card(found.as_ref(), &photo);
                st.add(&outcome, &photo, ms, spec.print);
                if verbose && !outcome.card_ok {
                    println!(
                        "{} #{i} seed {s}: found {} err {:.1}% frame {}x{} rot {:.0} tilt [{:.0},{:.0}] w {:.0} blur {:.1} light {:.2} {:?}",
                        kind.name(), outcome.found, outcome.err_pct, shot.frame_w, shot.frame_h, shot.rotation_deg,
                        shot.tilt[0], shot.tilt[1], shot.card_width, shot.blur_sigma, shot.light, spec.format
                    );
                }
                if let (Some(d), false) = (&dump, outcome.card_ok) {
                    let mut img = photo.image.clone();
                    draw_quad(&mut img, &photo.corners, [0, 255, 0]);
                    if let Some(q) = &outcome.quad {
                        draw_quad(&mut img, q, [255, 0, 0]);
                    }
                    let _ = image::save_buffer(d.join(format!("{}_{i:03}.png", kind.name())), img.as_raw(), img.width(), img.height(), image::ExtendedColorType::Rgb8);
                }
                continue;
            }
            let started = Instant::now();
            let res = sdk.analyze_document(&photo.image);
            let ms = started.elapsed().as_secs_f64() * 1000.0;
            let outcome = match res {
                Ok(a) => Outcome::of(&a, &photo),
                Err(e) => {
                    eprintln!("{} #{i}: error {e}", kind.name());
                    Outcome::default()
                }
            };
            st.add(&outcome, &photo, ms, spec.print);
            let wrong = !outcome.card_ok || !outcome.portrait_ok || outcome.background_chosen;
            if verbose && (wrong || outcome.glare_flag != photo.glare_on_portrait) {
                println!(
                    "{} #{i} seed {s}: card {} err {:.1}% reading {} portrait {} ghost {} background {} glare {:.3} (truth {:.3}) eye {:.1} frame {}x{} rot {:.0} tilt [{:.0},{:.0}] w {:.0} blur {:.1} light {:.2} code {}",
                    kind.name(), outcome.found, outcome.err_pct, outcome.reading_ok, outcome.portrait_ok, outcome.ghost_chosen, outcome.background_chosen,
                    outcome.glare, photo.portrait_glare, photo.portrait_eye_dist, shot.frame_w, shot.frame_h, shot.rotation_deg,
                    shot.tilt[0], shot.tilt[1], shot.card_width, shot.blur_sigma, shot.light, outcome.code
                );
            }
            if let (Some(d), true) = (&dump, wrong) {
                let mut img = photo.image.clone();
                draw_quad(&mut img, &photo.corners, [0, 255, 0]);
                if let Some(q) = &outcome.quad {
                    draw_quad(&mut img, q, [255, 0, 0]);
                }
                let _ = image::save_buffer(d.join(format!("{}_{i:03}.png", kind.name())), img.as_raw(), img.width(), img.height(), image::ExtendedColorType::Rgb8);
            }
        }
        st.print(kind.name());
        all.merge(&st);
    }
    all.print("all");
    println!("\nportrait found by inter-eye distance (frame px), all kinds:");
    for (b, (found, total)) in BANDS.iter().zip(all.bands.iter()) {
        println!("  {:>4.0}-{:<4} {:>4}/{:<4} {:>5.1} %", b.0, if b.1.is_finite() { format!("{:.0}", b.1) } else { "".into() }, found, total, pct(*found, *total));
    }
    ExitCode::SUCCESS
}

#[derive(Debug, Default, Clone)]
struct Outcome {
    found: bool,
    card_ok: bool,
    err_px: f32,
    err_pct: f32,
    reading_ok: bool,
    portrait_found: bool,
    portrait_ok: bool,
    ghost_chosen: bool,
    background_chosen: bool,
    glare: f32,
    glare_flag: bool,
    grey_read: Option<bool>,
    code: String,
    quad: Option<[[f32; 2]; 4]>,
}

impl Outcome {
    fn of(a: &likeness::document::DocumentAnalysis, photo: &cards::Photo) -> Outcome {
        let mut o = Outcome { code: a.instruction.code.to_string(), ..Outcome::card(a.document.as_ref(), photo) };
        if let Some(p) = &a.portrait {
            o.portrait_found = true;
            let c = centre(&p.box_in_frame);
            o.portrait_ok = inside(c, &photo.portrait_quad);
            o.ghost_chosen = photo.ghost_quad.as_ref().is_some_and(|g| inside(c, g));
            o.background_chosen = photo.background_face_quad.as_ref().is_some_and(|g| inside(c, g));
            o.glare = p.glare;
            o.glare_flag = p.glare > GLARE_MAX_SHARE;
            o.grey_read = Some(p.print == likeness::document::Print::Grey);
        }
        o
    }

    /// The card's part: found, corner error (either reading), reading right.
    fn card(document: Option<&likeness::document::CardQuad>, photo: &cards::Photo) -> Outcome {
        let mut o = Outcome::default();
        let truth = photo.corners;
        let width = (dist(truth[0], truth[1]) + dist(truth[3], truth[2])) / 2.0;
        if let Some(d) = document {
            o.found = true;
            o.quad = Some(d.corners);
            let err = |q: &[[f32; 2]; 4]| (0..4).map(|i| dist(q[i], truth[i])).fold(0.0, f32::max);
            let turned = [d.corners[2], d.corners[3], d.corners[0], d.corners[1]];
            let (e0, e1) = (err(&d.corners), err(&turned));
            o.err_px = e0.min(e1);
            o.err_pct = 100.0 * o.err_px / width.max(1.0);
            o.reading_ok = e0 <= e1;
            o.card_ok = o.err_pct < 5.0;
        }
        o
    }
}

#[derive(Debug, Default)]
struct Stats {
    n: usize,
    found: usize,
    card_ok: usize,
    errs_px: Vec<f32>,
    errs_pct: Vec<f32>,
    reading_ok: usize,
    portrait_found: usize,
    portrait_ok: usize,
    ghost: usize,
    background: usize,
    glare_tp: usize,
    glare_pos: usize,
    glare_fp: usize,
    glare_neg: usize,
    print_ok: usize,
    print_n: usize,
    ms: Vec<f64>,
    bands: [(usize, usize); 7],
    cut: usize,
    cut_fit: usize,
}

impl Stats {
    fn add(&mut self, o: &Outcome, photo: &cards::Photo, ms: f64, print: Print) {
        let (fw, fh) = (photo.image.width() as f32, photo.image.height() as f32);
        if photo.corners.iter().any(|p| p[0] < 0.0 || p[1] < 0.0 || p[0] > fw || p[1] > fh) {
            // Cut by the frame's edge: only the instruction is measured.
            self.cut += 1;
            self.cut_fit += (o.code == "FIT_DOCUMENT_IN_FRAME") as usize;
            return;
        }
        self.n += 1;
        self.found += o.found as usize;
        self.card_ok += o.card_ok as usize;
        if o.found {
            self.errs_px.push(o.err_px);
            self.errs_pct.push(o.err_pct);
        }
        self.reading_ok += (o.card_ok && o.reading_ok) as usize;
        self.portrait_found += o.portrait_found as usize;
        self.portrait_ok += o.portrait_ok as usize;
        self.ghost += o.ghost_chosen as usize;
        self.background += o.background_chosen as usize;
        if o.portrait_ok {
            if photo.glare_on_portrait {
                self.glare_pos += 1;
                self.glare_tp += o.glare_flag as usize;
            } else if photo.portrait_glare == 0.0 {
                self.glare_neg += 1;
                self.glare_fp += o.glare_flag as usize;
            }
            if let Some(g) = o.grey_read {
                self.print_n += 1;
                self.print_ok += (g == (print == Print::Grey)) as usize;
            }
        }
        self.ms.push(ms);
        if let Some(b) = BANDS.iter().position(|b| photo.portrait_eye_dist >= b.0 && photo.portrait_eye_dist < b.1) {
            self.bands[b].1 += 1;
            self.bands[b].0 += o.portrait_ok as usize;
        }
    }

    fn merge(&mut self, o: &Stats) {
        self.n += o.n;
        self.cut += o.cut;
        self.cut_fit += o.cut_fit;
        self.found += o.found;
        self.card_ok += o.card_ok;
        self.errs_px.extend(&o.errs_px);
        self.errs_pct.extend(&o.errs_pct);
        self.reading_ok += o.reading_ok;
        self.portrait_found += o.portrait_found;
        self.portrait_ok += o.portrait_ok;
        self.ghost += o.ghost;
        self.background += o.background;
        self.glare_tp += o.glare_tp;
        self.glare_pos += o.glare_pos;
        self.glare_fp += o.glare_fp;
        self.glare_neg += o.glare_neg;
        self.print_ok += o.print_ok;
        self.print_n += o.print_n;
        self.ms.extend(&o.ms);
        for (a, b) in self.bands.iter_mut().zip(o.bands.iter()) {
            a.0 += b.0;
            a.1 += b.1;
        }
    }

    fn print(&self, name: &str) {
        let ok: Vec<f32> = self.errs_pct.iter().copied().filter(|e| *e < 5.0).collect();
        let okpx: Vec<f32> = self.errs_px.iter().zip(&self.errs_pct).filter(|(_, p)| **p < 5.0).map(|(e, _)| *e).collect();
        println!(
            "{name:>8}: n {:>4} | card found {:>5.1} % (within 5 % of width {:>5.1} %) | corner err (found within 5 %) mean {:.1} px / {:.2} %, p95 {:.1} px / {:.2} % | reading right {:>5.1} % | portrait found {:>5.1} % right {:>5.1} % | ghost chosen {} | background face chosen {} | glare TPR {}/{} FPR {}/{} | print right {}/{} | {:.0} ms mean | cut by the frame {}: FIT_DOCUMENT_IN_FRAME {}",
            self.n, pct(self.found, self.n), pct(self.card_ok, self.n), mean(&okpx), mean(&ok), p95(&okpx), p95(&ok),
            pct(self.reading_ok, self.card_ok), pct(self.portrait_found, self.n), pct(self.portrait_ok, self.n), self.ghost, self.background,
            self.glare_tp, self.glare_pos, self.glare_fp, self.glare_neg, self.print_ok, self.print_n,
            self.ms.iter().sum::<f64>() / self.ms.len().max(1) as f64, self.cut, self.cut_fit
        );
    }
}

fn pct(a: usize, b: usize) -> f64 {
    if b == 0 {
        0.0
    } else {
        100.0 * a as f64 / b as f64
    }
}

fn mean(v: &[f32]) -> f32 {
    if v.is_empty() {
        0.0
    } else {
        v.iter().sum::<f32>() / v.len() as f32
    }
}

fn p95(v: &[f32]) -> f32 {
    let mut s = v.to_vec();
    s.sort_by(f32::total_cmp);
    s.get(((s.len() as f32 * 0.95).ceil() as usize).saturating_sub(1)).copied().unwrap_or(0.0)
}

fn dist(a: [f32; 2], b: [f32; 2]) -> f32 {
    (a[0] - b[0]).hypot(a[1] - b[1])
}

fn centre(q: &[[f32; 2]; 4]) -> [f32; 2] {
    [(q[0][0] + q[1][0] + q[2][0] + q[3][0]) / 4.0, (q[0][1] + q[1][1] + q[2][1] + q[3][1]) / 4.0]
}

/// Inside a convex quad (either winding).
fn inside(p: [f32; 2], q: &[[f32; 2]; 4]) -> bool {
    let s: Vec<f32> = (0..4).map(|i| {
        let (a, b) = (q[i], q[(i + 1) % 4]);
        (b[0] - a[0]) * (p[1] - a[1]) - (b[1] - a[1]) * (p[0] - a[0])
    }).collect();
    s.iter().all(|v| *v >= 0.0) || s.iter().all(|v| *v <= 0.0)
}

/// (from LFW, portrait crop): the committed golden photos, then LFW (every 37th person).
fn portraits(limit: usize) -> Vec<(bool, RgbImage)> {
    cards::sample_portraits(37, limit).into_iter().map(|p| (p.lfw, p.image)).collect()
}

/// Draws a quad's outline (3 px), the first side thicker.
fn draw_quad(img: &mut RgbImage, q: &[[f32; 2]; 4], rgb: [u8; 3]) {
    let (w, h) = (img.width() as i64, img.height() as i64);
    let mut data = img.as_raw().to_vec();
    for i in 0..4 {
        let (a, b) = (q[i], q[(i + 1) % 4]);
        let n = dist(a, b).ceil().max(1.0) as usize;
        let t = if i == 0 { 3 } else { 1 };
        for k in 0..=n {
            let f = k as f32 / n as f32;
            let (x, y) = ((a[0] + f * (b[0] - a[0])) as i64, (a[1] + f * (b[1] - a[1])) as i64);
            for dy in -t..=t {
                for dx in -t..=t {
                    let (xx, yy) = (x + dx, y + dy);
                    if xx >= 0 && yy >= 0 && xx < w && yy < h {
                        let j = ((yy * w + xx) * 3) as usize;
                        data[j..j + 3].copy_from_slice(&rgb);
                    }
                }
            }
        }
    }
    if let Some(out) = RgbImage::from_raw(img.width(), img.height(), data) {
        *img = out;
    }
}
