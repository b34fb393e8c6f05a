//! Embedding every image of a dataset, on every core, with the results cached on disk.
//!
//! The cache is one binary file (`--cache PATH`). Its header holds the *model key* — a sha256
//! over the bundled `models/manifest.json` (which records every model's sha256), the crate
//! version and the detection settings — and a cache written under another key is ignored
//! as a whole. Each entry is keyed by the image variant (`colour`, `grey`, `downscale:62`), the
//! image's path relative to the dataset root, and its size and modification time, so one file
//! serves every variant and a replaced photo is embedded again. Layout (little-endian):
//!
//! ```text
//! "LIKENESS-EVAL-CACHE\x01"  u16 len + model key  u32 entries
//! entry: u16 len + variant, u16 len + rel path, u64 size, u64 mtime_ns, u8 kind
//!   kind 0 (face):    f32 eye_dist, u16 dim, dim x f32 embedding (L2-normalised)
//!   kind 1 (failure): u16 len + error code, u16 len + message
//! ```

use std::collections::HashMap;
use std::fmt;
use std::io::{BufWriter, Read, Write};
use std::path::Path;
use std::str::FromStr;
use std::sync::atomic::{AtomicUsize, Ordering};

use sha2::{Digest, Sha256};

use crate::detect::DetectOptions;
use crate::error::{Error, ErrorCode, Result};
use crate::eval::dataset::ImageEntry;
use crate::pipeline::{AnalyzeOptions, Likeness};
use crate::raster::RgbImage;

const MAGIC: &[u8] = b"LIKENESS-EVAL-CACHE\x01";

/// What every image is turned into before analysis, so that the same harness measures the
/// effect of image quality.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Variant {
    /// The image as decoded.
    #[default]
    Colour,
    /// BT.601 luma in all three channels (what a grey ID-document photo gives the pipeline).
    Grey,
    /// Resized (triangle filter) so that its longer side is at most N px; smaller images are
    /// left alone.
    Downscale(u32),
}

impl fmt::Display for Variant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Variant::Colour => f.write_str("colour"),
            Variant::Grey => f.write_str("grey"),
            Variant::Downscale(n) => write!(f, "downscale:{n}"),
        }
    }
}

impl FromStr for Variant {
    type Err = Error;
    /// `colour` (or `color`), `grey` (or `gray`), `downscale:N` with N ≥ 16.
    fn from_str(s: &str) -> Result<Variant> {
        let s = s.trim().to_ascii_lowercase();
        match s.as_str() {
            "colour" | "color" => Ok(Variant::Colour),
            "grey" | "gray" => Ok(Variant::Grey),
            _ => match s.strip_prefix("downscale:").map(str::parse::<u32>) {
                Some(Ok(n)) if n >= 16 => Ok(Variant::Downscale(n)),
                _ => Err(Error::invalid_argument(format!(
                    "variant must be colour, grey or downscale:N with N >= 16, got {s:?}"
                ))),
            },
        }
    }
}

impl Variant {
    /// Applies the variant to a decoded image.
    pub fn apply(&self, img: RgbImage) -> Result<RgbImage> {
        match *self {
            Variant::Colour => Ok(img),
            Variant::Grey => {
                let (w, h) = (img.width(), img.height());
                let mut data = img.into_raw();
                for p in data.chunks_exact_mut(3) {
                    let y = crate::raster::luma([p[0] as f32, p[1] as f32, p[2] as f32]).round().clamp(0.0, 255.0) as u8;
                    p.copy_from_slice(&[y, y, y]);
                }
                RgbImage::from_raw(w, h, data).ok_or_else(|| Error::new(ErrorCode::Internal, "grey conversion lost pixels"))
            }
            Variant::Downscale(n) => {
                let (w, h) = (img.width(), img.height());
                let longer = w.max(h);
                if longer <= n {
                    return Ok(img);
                }
                let scale = n as f64 / longer as f64;
                let (nw, nh) = (((w as f64 * scale).round() as u32).max(1), ((h as f64 * scale).round() as u32).max(1));
                let buf = image::RgbImage::from_raw(w, h, img.into_raw())
                    .ok_or_else(|| Error::new(ErrorCode::Internal, "image buffer does not match its size"))?;
                let small = image::imageops::resize(&buf, nw, nh, image::imageops::FilterType::Triangle);
                RgbImage::from_raw(nw, nh, small.into_raw())
                    .ok_or_else(|| Error::new(ErrorCode::Internal, "resize returned no pixels"))
            }
        }
    }
}

/// What the analysis of one image gave.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// The largest face: its inter-eye distance in px (of the analysed, variant image) and its
    /// L2-normalised embedding.
    Face { eye_dist: f32, embedding: Vec<f32> },
    /// Failure to enrol: no face (`NO_FACE`), an unreadable or undecodable file, or any other
    /// error, with its code and message.
    Failed { code: String, message: String },
}

/// The analysis the harness runs: `likeness analyze --limit 1` (default detection settings,
/// embedding on, liveness off).
pub fn analyze_options() -> AnalyzeOptions {
    AnalyzeOptions { detect: DetectOptions { limit: Some(1), ..DetectOptions::default() }, embedding: true, liveness: false }
}

/// Embeds one image file: read, decode, apply the variant, analyse the largest face.
pub fn embed_file(sdk: &Likeness, path: &Path, variant: Variant) -> Outcome {
    let run = || -> Result<Outcome> {
        let bytes =
            std::fs::read(path).map_err(|e| Error::invalid_argument(format!("cannot read {}: {e}", path.display())))?;
        let img = variant.apply(crate::decode::decode(&bytes, &sdk.limits)?)?;
        let analysis = sdk.analyze(&img, &analyze_options())?;
        let face = analysis.faces.into_iter().next().ok_or_else(|| Error::no_face("no face found"))?;
        let embedding = face.embedding.ok_or_else(|| Error::new(ErrorCode::Internal, "the face has no embedding"))?;
        let embedding = crate::embed::l2_normalize(embedding)
            .ok_or_else(|| Error::new(ErrorCode::Internal, "embedding has no direction"))?;
        Ok(Outcome::Face { eye_dist: face.eye_dist, embedding })
    };
    run().unwrap_or_else(|e| Outcome::Failed { code: e.code.as_str().to_string(), message: e.message })
}

/// Embeds `images` on `threads` threads sharing one engine (its models are immutable plans,
/// each run allocates its own state); results in input order. `progress(done, total)` is
/// called from the workers after each image.
pub fn embed_images(
    sdk: &Likeness,
    images: &[&ImageEntry],
    variant: Variant,
    threads: usize,
    progress: &(dyn Fn(usize, usize) + Sync),
) -> Vec<Outcome> {
    let next = AtomicUsize::new(0);
    let done = AtomicUsize::new(0);
    let threads = threads.clamp(1, images.len().max(1));
    let mut results: Vec<Option<Outcome>> = vec![None; images.len()];
    std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| {
                    let mut out = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(img) = images.get(i) else { break };
                        out.push((i, embed_file(sdk, &img.path, variant)));
                        progress(done.fetch_add(1, Ordering::Relaxed) + 1, images.len());
                    }
                    out
                })
            })
            .collect();
        for worker in workers {
            // A worker only panics on a bug; its images are then reported as INTERNAL failures.
            if let Ok(out) = worker.join() {
                for (i, outcome) in out {
                    results[i] = Some(outcome);
                }
            }
        }
    });
    results
        .into_iter()
        .map(|r| {
            r.unwrap_or_else(|| Outcome::Failed { code: ErrorCode::Internal.as_str().into(), message: "worker failed".into() })
        })
        .collect()
}

/// The model key: sha256 over the bundled manifest (every model's sha256 and preprocessing)
/// without its `match_presets` (thresholds decide, they do not change an embedding), the crate
/// version and the detection settings, as hex.
pub fn model_key() -> String {
    let mut manifest: serde_json::Value = serde_json::from_str(crate::model::MANIFEST_JSON).unwrap_or_default();
    if let Some(models) = manifest.get_mut("models").and_then(|m| m.as_object_mut()) {
        for entry in models.values_mut().filter_map(|e| e.as_object_mut()) {
            entry.remove("match_presets");
        }
    }
    let mut h = Sha256::new();
    h.update(manifest.to_string().as_bytes());
    h.update(env!("CARGO_PKG_VERSION").as_bytes());
    h.update(format!("{:?}", analyze_options()).as_bytes());
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

#[derive(Debug, Clone, PartialEq)]
struct Entry {
    size: u64,
    mtime_ns: u64,
    outcome: Outcome,
}

/// How the cache file was found when loading.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CacheStatus {
    /// No file (or no `--cache`): everything is embedded.
    Absent,
    /// Read, with this many entries.
    Loaded(usize),
    /// Written under another model key: ignored, rebuilt.
    OtherModel,
    /// Unreadable or corrupt: ignored, rebuilt (the reason).
    Ignored(String),
}

/// The embedding cache in memory.
#[derive(Debug, Clone, PartialEq)]
pub struct EmbeddingCache {
    model_key: String,
    entries: HashMap<(String, String), Entry>,
}

impl EmbeddingCache {
    pub fn new(model_key: &str) -> EmbeddingCache {
        EmbeddingCache { model_key: model_key.to_string(), entries: HashMap::new() }
    }

    /// Loads `path`; a missing, corrupt or other-model file gives an empty cache (never an
    /// error: the cache can always be rebuilt) and says why.
    pub fn load(path: &Path, model_key: &str) -> (EmbeddingCache, CacheStatus) {
        let mut cache = EmbeddingCache::new(model_key);
        let bytes = match std::fs::read(path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return (cache, CacheStatus::Absent),
            Err(e) => return (cache, CacheStatus::Ignored(e.to_string())),
        };
        match parse(&bytes) {
            Ok((key, entries)) if key == model_key => {
                let n = entries.len();
                cache.entries = entries;
                (cache, CacheStatus::Loaded(n))
            }
            Ok(_) => (cache, CacheStatus::OtherModel),
            Err(why) => (cache, CacheStatus::Ignored(why)),
        }
    }

    /// The cached outcome of `img` under `variant`, if its size and mtime still match.
    pub fn get(&self, variant: Variant, img: &ImageEntry) -> Option<&Outcome> {
        self.entries
            .get(&(variant.to_string(), img.rel_path.clone()))
            .filter(|e| e.size == img.size && e.mtime_ns == img.mtime_ns)
            .map(|e| &e.outcome)
    }

    pub fn insert(&mut self, variant: Variant, img: &ImageEntry, outcome: Outcome) {
        self.entries.insert(
            (variant.to_string(), img.rel_path.clone()),
            Entry { size: img.size, mtime_ns: img.mtime_ns, outcome },
        );
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Writes the cache to `path` (through a temporary file renamed into place, so an
    /// interrupted write never leaves a half file). Failure is `STORAGE_FAILED`.
    pub fn save(&self, path: &Path) -> Result<()> {
        let fail = |e: std::io::Error| Error::storage(format!("cannot write the cache {}: {e}", path.display()));
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(fail)?;
        }
        let tmp = path.with_extension(format!("tmp{}", std::process::id()));
        {
            let mut w = BufWriter::new(std::fs::File::create(&tmp).map_err(fail)?);
            let mut keys: Vec<_> = self.entries.keys().collect();
            keys.sort();
            w.write_all(MAGIC).map_err(fail)?;
            write_str(&mut w, &self.model_key).map_err(fail)?;
            w.write_all(&(keys.len() as u32).to_le_bytes()).map_err(fail)?;
            for key in keys {
                let e = &self.entries[key];
                write_str(&mut w, &key.0).map_err(fail)?;
                write_str(&mut w, &key.1).map_err(fail)?;
                w.write_all(&e.size.to_le_bytes()).map_err(fail)?;
                w.write_all(&e.mtime_ns.to_le_bytes()).map_err(fail)?;
                match &e.outcome {
                    Outcome::Face { eye_dist, embedding } => {
                        w.write_all(&[0]).map_err(fail)?;
                        w.write_all(&eye_dist.to_le_bytes()).map_err(fail)?;
                        w.write_all(&(embedding.len() as u16).to_le_bytes()).map_err(fail)?;
                        let raw: Vec<u8> = embedding.iter().flat_map(|x| x.to_le_bytes()).collect();
                        w.write_all(&raw).map_err(fail)?;
                    }
                    Outcome::Failed { code, message } => {
                        w.write_all(&[1]).map_err(fail)?;
                        write_str(&mut w, code).map_err(fail)?;
                        write_str(&mut w, message).map_err(fail)?;
                    }
                }
            }
            w.flush().map_err(fail)?;
        }
        std::fs::rename(&tmp, path).map_err(fail)
    }
}

fn write_str(w: &mut impl Write, s: &str) -> std::io::Result<()> {
    let b = &s.as_bytes()[..s.len().min(u16::MAX as usize)];
    w.write_all(&(b.len() as u16).to_le_bytes())?;
    w.write_all(b)
}

type Parsed = (String, HashMap<(String, String), Entry>);

fn parse(bytes: &[u8]) -> std::result::Result<Parsed, String> {
    let mut r = bytes;
    let mut take = |n: usize| -> std::result::Result<Vec<u8>, String> {
        let mut buf = vec![0u8; n];
        r.read_exact(&mut buf).map_err(|_| "the cache file is truncated".to_string())?;
        Ok(buf)
    };
    if take(MAGIC.len())? != MAGIC {
        return Err("not a likeness eval cache".into());
    }
    let u16_of = |b: Vec<u8>| u16::from_le_bytes([b[0], b[1]]) as usize;
    let u64_of = |b: Vec<u8>| u64::from_le_bytes(b.try_into().unwrap_or([0; 8]));
    let string = |take: &mut dyn FnMut(usize) -> std::result::Result<Vec<u8>, String>| {
        let n = u16_of(take(2)?);
        String::from_utf8(take(n)?).map_err(|_| "the cache holds a string that is not UTF-8".to_string())
    };
    let key = string(&mut take)?;
    let count = u32::from_le_bytes(take(4)?.try_into().unwrap_or([0; 4])) as usize;
    let mut entries = HashMap::with_capacity(count.min(1 << 20));
    for _ in 0..count {
        let variant = string(&mut take)?;
        let rel = string(&mut take)?;
        let size = u64_of(take(8)?);
        let mtime_ns = u64_of(take(8)?);
        let outcome = match take(1)?[0] {
            0 => {
                let eye_dist = f32::from_le_bytes(take(4)?.try_into().unwrap_or([0; 4]));
                let dim = u16_of(take(2)?);
                let embedding: Vec<f32> =
                    take(dim * 4)?.chunks_exact(4).map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect();
                if embedding.iter().any(|x| !x.is_finite()) || !eye_dist.is_finite() {
                    return Err("the cache holds a non-finite embedding".into());
                }
                Outcome::Face { eye_dist, embedding }
            }
            1 => Outcome::Failed { code: string(&mut take)?, message: string(&mut take)? },
            k => return Err(format!("unknown cache entry kind {k}")),
        };
        entries.insert((variant, rel), Entry { size, mtime_ns, outcome });
    }
    Ok((key, entries))
}
