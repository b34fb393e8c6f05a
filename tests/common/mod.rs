//! Shared by the integration tests: one engine per test binary, fixture paths, the dataset.
#![allow(dead_code)]

pub mod cards;
pub mod hands;
pub mod scenes;
pub mod golden;

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use likeness::decode::{decode, Limits};
use likeness::raster::RgbImage;
use likeness::Likeness;

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn golden_dir() -> PathBuf {
    root().join("tests/fixtures/golden")
}

/// The engine with every model, the liveness one included.
pub fn sdk() -> &'static Likeness {
    static SDK: OnceLock<Likeness> = OnceLock::new();
    SDK.get_or_init(|| match Likeness::from_dir(root().join("models"), true) {
        Ok(sdk) => sdk,
        Err(e) => panic!("models must load for the tests: {e}"),
    })
}

pub fn load(path: &Path) -> RgbImage {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    decode(&bytes, &Limits::default()).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

pub fn fixture(name: &str) -> RgbImage {
    load(&golden_dir().join(name))
}

/// `../shared/datasets` (or `$LIKENESS_DATASETS`), `None` with a message when absent.
pub fn datasets() -> Option<PathBuf> {
    let dir = std::env::var_os("LIKENESS_DATASETS")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("../shared/datasets"));
    if dir.join("bbt").is_dir() {
        Some(dir)
    } else {
        eprintln!("SKIPPED: {} not found (the shared BBT dataset is not committed)", dir.display());
        None
    }
}

/// The 40 BBT crops as (identity, path), sorted.
pub fn bbt_crops(datasets: &Path) -> Vec<(String, PathBuf)> {
    let mut out = Vec::new();
    let Ok(people) = std::fs::read_dir(datasets.join("bbt")) else { return out };
    for person in people.flatten().filter(|e| e.path().is_dir()) {
        let name = person.file_name().to_string_lossy().into_owned();
        if let Ok(files) = std::fs::read_dir(person.path()) {
            for f in files.flatten() {
                out.push((name.clone(), f.path()));
            }
        }
    }
    out.sort();
    out
}

/// Pastes a filled rectangle (x0, y0, x1, y1 in pixels) of one colour.
pub fn paste_rect(img: &RgbImage, rect: [u32; 4], rgb: [u8; 3]) -> RgbImage {
    let (w, h) = (img.width(), img.height());
    let mut data = img.as_raw().to_vec();
    for y in rect[1].min(h)..rect[3].min(h) {
        for x in rect[0].min(w)..rect[2].min(w) {
            let i = ((y * w + x) * 3) as usize;
            data[i..i + 3].copy_from_slice(&rgb);
        }
    }
    RgbImage::from_raw(w, h, data).expect("same size")
}

pub fn mirror(img: &RgbImage) -> RgbImage {
    let (w, h) = (img.width() as usize, img.height() as usize);
    let src = img.as_raw();
    let mut data = vec![0u8; src.len()];
    for y in 0..h {
        for x in 0..w {
            let (d, s) = ((y * w + x) * 3, (y * w + (w - 1 - x)) * 3);
            data[d..d + 3].copy_from_slice(&src[s..s + 3]);
        }
    }
    RgbImage::from_raw(w as u32, h as u32, data).expect("same size")
}
