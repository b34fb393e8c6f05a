//! Writes synthetic ID documents photographed by a simulated phone (tests/common/cards.rs), for
//! looking at, and the fake-camera video of a card brought closer for the browser tests.
//!
//! ```text
//! cargo run --release --example document_cards -- OUT_DIR [--n 12] [--seed S]
//! cargo run --release --example document_cards -- approach OUT.y4m [--fps 15] [--seed S]
//! ```
//!
//! Samples: OUT_DIR/NNN_KIND.png (the photo), OUT_DIR/NNN_card.png (the flat card) and
//! OUT_DIR/truth.json (one object per photo: corners, portrait/ghost quads, glare, eye distance,
//! the shot's parameters). Portraits come from the committed golden photos and, when present,
//! LFW in ../shared/datasets/lfw (or $LIKENESS_DATASETS/lfw).
//!
//! Approach: OUT.y4m (640x480, I420 like examples/fake_camera.rs), OUT.png (the last frame) and
//! one line of JSON on stdout: `{"frames","fps","width","height","hold_from_ms","png","bytes"}`.

#[path = "../tests/common/cards.rs"]
mod cards;
#[path = "../tests/common/frames.rs"]
mod frames;

use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use cards::{CardSpec, Format, Print, ShotKind};
use likeness::raster::RgbImage;

fn usage(msg: &str) -> ExitCode {
    eprintln!("error: {msg}");
    eprintln!("usage: document_cards OUT_DIR [--n N] [--seed S]");
    eprintln!("       document_cards approach OUT.y4m [--fps N] [--seed S]");
    ExitCode::from(2)
}

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let (mut positional, mut n, mut seed, mut fps) = (Vec::new(), 12usize, 1u64, 15u32);
    while let Some(a) = args.next() {
        let mut value = |name: &str| args.next().ok_or_else(|| format!("{name} takes a value"));
        let parsed = match a.as_str() {
            "--n" => value("--n").and_then(|v| v.parse().map(|v| n = v).map_err(|e| format!("--n: {e}"))),
            "--seed" => value("--seed").and_then(|v| v.parse().map(|v| seed = v).map_err(|e| format!("--seed: {e}"))),
            "--fps" => value("--fps").and_then(|v| v.parse::<u32>().ok().filter(|f| (1..=60).contains(f)).map(|f| fps = f).ok_or("--fps: 1 to 60".into())),
            "-h" | "--help" => return usage("help"),
            _ if a.starts_with("--") => Err(format!("unknown option {a}")),
            _ => {
                positional.push(a);
                Ok(())
            }
        };
        if let Err(e) = parsed {
            return usage(&e);
        }
    }
    match positional.as_slice() {
        [mode, out] if mode == "approach" => approach(Path::new(out), fps, seed),
        [mode] if mode == "time" => time(n, seed),
        [out] => samples(Path::new(out), n, seed),
        _ => usage("an output directory (or `approach OUT.y4m`) is needed"),
    }
}

/// Face photos to print: the committed golden photos, then LFW (every 97th person).
fn portraits(limit: usize) -> Vec<(String, RgbImage)> {
    cards::sample_portraits(97, limit).into_iter().map(|p| (p.name, p.image)).collect()
}

fn save(path: &Path, img: &RgbImage) -> Result<(), String> {
    image::save_buffer(path, img.as_raw(), img.width(), img.height(), image::ExtendedColorType::Rgb8).map_err(|e| format!("{}: {e}", path.display()))
}

fn quad_json(q: &[[f32; 2]; 4]) -> serde_json::Value {
    serde_json::json!(q.iter().map(|p| [(p[0] * 10.0).round() / 10.0, (p[1] * 10.0).round() / 10.0]).collect::<Vec<_>>())
}

fn samples(dir: &Path, n: usize, seed: u64) -> ExitCode {
    if let Err(e) = std::fs::create_dir_all(dir) {
        return usage(&format!("{}: {e}", dir.display()));
    }
    let sources = portraits(40);
    if sources.is_empty() {
        eprintln!("error: no portrait source found (tests/fixtures/golden)");
        return ExitCode::FAILURE;
    }
    // Whole photos for the background: faces that must never be taken for the portrait.
    let background: Vec<RgbImage> = sources.iter().map(|(_, p)| p.clone()).collect();
    let (mut t_card, mut t_photo, mut truth) = (0f64, 0f64, Vec::new());
    for i in 0..n {
        let s = seed.wrapping_mul(1000).wrapping_add(i as u64);
        let (name, portrait) = &sources[i % sources.len()];
        let spec = CardSpec {
            format: if i % 2 == 0 { Format::Id1 } else { Format::Id3 },
            portrait: portrait.clone(),
            print: if (i / 2) % 2 == 0 { Print::Colour } else { Print::Grey },
            ghost: i % 7 != 6,
            seed: s,
            width_px: 1012,
        };
        let started = Instant::now();
        let card = cards::render_card(&spec);
        t_card += started.elapsed().as_secs_f64();
        let kind = ShotKind::ALL[i % ShotKind::ALL.len()];
        let others: Vec<RgbImage> = background.iter().enumerate().filter(|(j, _)| *j != i % sources.len()).map(|(_, p)| p.clone()).collect();
        let shot = cards::random_shot_among(s, kind, &others);
        let started = Instant::now();
        let photo = cards::photograph(&card, &shot);
        t_photo += started.elapsed().as_secs_f64();
        let stem = format!("{i:03}_{}", kind.name());
        for (path, img) in [(dir.join(format!("{stem}.png")), &photo.image), (dir.join(format!("{i:03}_card.png")), &card.image)] {
            if let Err(e) = save(&path, img) {
                eprintln!("error: {e}");
                return ExitCode::FAILURE;
            }
        }
        truth.push(serde_json::json!({
            "file": format!("{stem}.png"), "portrait_source": name, "kind": kind.name(),
            "format": card.format.name(), "print": format!("{:?}", card.print).to_lowercase(),
            "frame": [shot.frame_w, shot.frame_h], "card_width": shot.card_width, "rotation_deg": shot.rotation_deg,
            "tilt": shot.tilt, "blur_sigma": shot.blur_sigma, "noise_sigma": shot.noise_sigma, "jpeg_quality": shot.jpeg_quality,
            "light": shot.light, "glare": shot.glare.iter().map(|g| serde_json::json!({"centre": g.centre, "radius": g.radius, "strength": g.strength})).collect::<Vec<_>>(),
            "corners": quad_json(&photo.corners), "portrait_quad": quad_json(&photo.portrait_quad),
            "ghost_quad": photo.ghost_quad.as_ref().map(quad_json), "glare_on_portrait": photo.glare_on_portrait,
            "portrait_glare": photo.portrait_glare, "portrait_eye_dist": photo.portrait_eye_dist,
            "background_face_quad": photo.background_face_quad.as_ref().map(quad_json),
            "card_portrait_box": card.portrait_box, "card_ghost_box": card.ghost_box,
        }));
    }
    let path = dir.join("truth.json");
    if let Err(e) = std::fs::write(&path, serde_json::to_string_pretty(&truth).unwrap_or_default()) {
        eprintln!("error: {}: {e}", path.display());
        return ExitCode::FAILURE;
    }
    eprintln!("{n} photos in {}: render_card {:.1} ms, photograph {:.1} ms each", dir.display(), 1000.0 * t_card / n.max(1) as f64, 1000.0 * t_photo / n.max(1) as f64);
    ExitCode::SUCCESS
}

/// This thread's CPU time in ms (Linux; 0 elsewhere): wall time means little on a shared machine.
fn cpu_ms() -> f64 {
    let stat = std::fs::read_to_string("/proc/thread-self/schedstat").unwrap_or_default();
    stat.split_whitespace().next().and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0) / 1e6
}

/// Mean CPU time of `render_card` and of `photograph` per frame size (Typical shots), on stderr.
fn time(n: usize, seed: u64) -> ExitCode {
    let Some((_, portrait)) = portraits(0).into_iter().next() else { return usage("no portrait source") };
    let started = cpu_ms();
    let card = cards::render_card(&CardSpec { format: Format::Id1, portrait, print: Print::Colour, ghost: true, seed, width_px: 1012 });
    eprintln!("render_card: {:.1} ms CPU", cpu_ms() - started);
    for (w, h) in [(640, 480), (1280, 720), (720, 1280), (1920, 1080)] {
        let started = cpu_ms();
        for i in 0..n {
            let mut shot = cards::random_shot(seed + i as u64, ShotKind::Typical);
            let k = w as f32 / shot.frame_w as f32;
            (shot.frame_w, shot.frame_h, shot.card_width, shot.centre) = (w, h, shot.card_width * k, [w as f32 / 2.0, h as f32 / 2.0]);
            std::hint::black_box(cards::photograph(&card, &shot));
        }
        eprintln!("photograph {w}x{h}: {:.1} ms CPU", (cpu_ms() - started) / n.max(1) as f64);
    }
    ExitCode::SUCCESS
}

fn approach(out: &Path, fps: u32, seed: u64) -> ExitCode {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let Some(portrait) = cards::golden_portrait(&root.join("tests/fixtures/golden"), "obama_640x480") else {
        eprintln!("error: tests/fixtures/golden/obama_640x480.{{png,json}} are needed");
        return ExitCode::FAILURE;
    };
    let card = cards::render_card(&CardSpec { format: Format::Id1, portrait, print: Print::Colour, ghost: true, seed, width_px: 1012 });
    let (w, h) = (frames::WIDTH, frames::HEIGHT);
    if let Some(parent) = out.parent().filter(|p| !p.as_os_str().is_empty()) {
        if let Err(e) = std::fs::create_dir_all(parent) {
            return usage(&format!("{}: {e}", parent.display()));
        }
    }
    let count = cards::approach_frame_count(fps);
    let started = Instant::now();
    let written = (|| -> std::io::Result<u64> {
        let mut file = BufWriter::with_capacity(1 << 20, std::fs::File::create(out)?);
        let header = frames::y4m_header(w, h, fps);
        file.write_all(header.as_bytes())?;
        let mut bytes = header.len() as u64;
        for i in 0..count {
            let frame = frames::y4m_frame(&cards::approach_frame(&card, w, h, fps, i));
            file.write_all(&frame)?;
            bytes += frame.len() as u64;
        }
        file.flush()?;
        Ok(bytes)
    })();
    let bytes = match written {
        Ok(b) => b,
        Err(e) => {
            eprintln!("error: {}: {e}", out.display());
            return ExitCode::FAILURE;
        }
    };
    let png = out.with_extension("png");
    if let Err(e) = save(&png, &cards::approach_frame(&card, w, h, fps, count.saturating_sub(1))) {
        eprintln!("error: {e}");
        return ExitCode::FAILURE;
    }
    eprintln!("{}: {count} frames, {bytes} bytes in {:.1} s", out.display(), started.elapsed().as_secs_f64());
    let summary = serde_json::json!({
        "frames": count, "fps": fps, "width": w, "height": h,
        "hold_from_ms": cards::APPROACH_HOLD_FROM_MS, "png": png.display().to_string(), "bytes": bytes,
    });
    println!("{summary}");
    ExitCode::SUCCESS
}
