//! Writes the card finder's training data: generated scenes (tests/common/scenes.rs),
//! letterboxed exactly as the core does at run time (`likeness::document::finder::Letterbox`),
//! with the document's mask and corners (training/document/README.md).
//!
//! ```text
//! cargo run --release --example document_scenes -- --split train|held --n N --seed S --out DIR [--side 256] [--long 512] [--part K --parts P]
//! ```
//! Writes `DIR/images.u8` (N x side x side x 3), `DIR/masks.u8` (N x side/4 x side/4: the share
//! of each cell inside the document's quad and the frame) and `DIR/labels.f32` (N x 12: present,
//! the four corners TL, TR, BR, BL as read in square px — outside the frame when cut —, the
//! frame's extent in the square, the scene kind), plus `DIR/info.json`.

#[path = "../../tests/common/mod.rs"]
mod common;

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use common::scenes::{self, SceneKind, Sources, Split};
use likeness::document::finder::Letterbox;

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let (mut split, mut n, mut seed, mut out, mut side, mut long, mut part, mut parts) = (Split::Train, 1000usize, 1u64, None::<PathBuf>, 256usize, 512u32, 0usize, 1usize);
    while let Some(a) = args.next() {
        let v = args.next().unwrap_or_default();
        match a.as_str() {
            "--split" => split = if v == "held" { Split::Held } else { Split::Train },
            "--n" => n = v.parse().unwrap_or(n),
            "--seed" => seed = v.parse().unwrap_or(seed),
            "--out" => out = Some(PathBuf::from(v)),
            "--side" => side = v.parse().unwrap_or(side),
            "--long" => long = v.parse().unwrap_or(long),
            "--part" => part = v.parse().unwrap_or(part),
            "--parts" => parts = v.parse().unwrap_or(parts),
            _ => {
                eprintln!("usage: document_scenes --split train|held --n N --seed S --out DIR [--side 256] [--long 512] [--part K --parts P]");
                return ExitCode::from(2);
            }
        }
    }
    let Some(out) = out else {
        eprintln!("error: --out DIR is required");
        return ExitCode::from(2);
    };
    if let Err(e) = std::fs::create_dir_all(&out) {
        eprintln!("error: {}: {e}", out.display());
        return ExitCode::FAILURE;
    }
    let t0 = Instant::now();
    let src = Sources::load(split, 3000, 1024);
    eprintln!("sources: {} backdrops, {} people ({:.1} s)", src.backdrops.len(), src.people.len(), t0.elapsed().as_secs_f32());
    let open = |name: &str| std::fs::File::create(out.join(name)).map(std::io::BufWriter::new);
    let (Ok(mut images), Ok(mut masks), Ok(mut labels)) = (open("images.u8"), open("masks.u8"), open("labels.f32")) else {
        eprintln!("error: cannot write to {}", out.display());
        return ExitCode::FAILURE;
    };
    let mut kinds = std::collections::BTreeMap::<&str, usize>::new();
    let salt = if split == Split::Held { 0x4e1d_0000_0000 } else { 0 };
    let mut written = 0usize;
    for i in (part..n).step_by(parts.max(1)) {
        let scene = scenes::random_scene(salt + seed * 10_000_000 + i as u64, None, &src, long);
        let lb = Letterbox::of(&scene.image, side);
        let quad = scene.quad.map(|q| q.map(|p| [p[0] * lb.scale, p[1] * lb.scale]));
        let mask = quad_mask(quad.as_ref(), side / 4, 4.0, lb.valid);
        let mut label = [0f32; 12];
        label[0] = if scene.quad.is_some() { 1.0 } else { 0.0 };
        if let Some(q) = quad {
            for (k, p) in q.iter().enumerate() {
                label[1 + 2 * k] = p[0];
                label[2 + 2 * k] = p[1];
            }
        }
        label[9] = lb.valid[0] as f32;
        label[10] = lb.valid[1] as f32;
        label[11] = SceneKind::ALL.iter().position(|k| *k == scene.kind).unwrap_or(0) as f32;
        let bytes: Vec<u8> = label.iter().flat_map(|v| v.to_le_bytes()).collect();
        if images.write_all(&lb.pixels).and(masks.write_all(&mask)).and(labels.write_all(&bytes)).is_err() {
            eprintln!("error: write failed");
            return ExitCode::FAILURE;
        }
        *kinds.entry(scene.kind.name()).or_default() += 1;
        written += 1;
        if written % 500 == 0 {
            eprintln!("{written} scenes, {:.0} s", t0.elapsed().as_secs_f32());
        }
    }
    let _ = (images.flush(), masks.flush(), labels.flush());
    let info = serde_json::json!({
        "generator": "tests/common/scenes.rs + cards.rs", "split": if split == Split::Held { "held" } else { "train" },
        "n": written, "seed": seed, "side": side, "long": long, "part": part, "parts": parts,
        "backdrops": src.backdrops.len(), "people": src.people.len(), "kinds": kinds,
        "seconds": t0.elapsed().as_secs_f32(),
    });
    let _ = std::fs::write(out.join("info.json"), serde_json::to_string_pretty(&info).unwrap_or_default());
    eprintln!("{written} scenes in {:.0} s", t0.elapsed().as_secs_f32());
    ExitCode::SUCCESS
}

/// Coverage 0..255 of each `cell`-px cell by the quad (4x4 samples), inside `valid` only.
fn quad_mask(quad: Option<&[[f32; 2]; 4]>, cells: usize, cell: f32, valid: [usize; 2]) -> Vec<u8> {
    let mut out = vec![0u8; cells * cells];
    let Some(q) = quad else { return out };
    let area: f32 = (0..4).map(|i| q[i][0] * q[(i + 1) % 4][1] - q[(i + 1) % 4][0] * q[i][1]).sum();
    let sign = area.signum();
    let inside = |x: f32, y: f32| (0..4).all(|i| {
        let (a, b) = (q[i], q[(i + 1) % 4]);
        sign * ((b[0] - a[0]) * (y - a[1]) - (b[1] - a[1]) * (x - a[0])) >= 0.0
    });
    for cy in 0..cells {
        for cx in 0..cells {
            let mut hit = 0u32;
            for sy in 0..4 {
                for sx in 0..4 {
                    let (x, y) = ((cx as f32 + (sx as f32 + 0.5) / 4.0) * cell, (cy as f32 + (sy as f32 + 0.5) / 4.0) * cell);
                    if x < valid[0] as f32 && y < valid[1] as f32 && inside(x, y) {
                        hit += 1;
                    }
                }
            }
            out[cy * cells + cx] = (hit * 255 / 16) as u8;
        }
    }
    out
}
