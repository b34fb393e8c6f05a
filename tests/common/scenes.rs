//! Phone photos with and without an ID document, for training and measuring the card finder
//! (docs/document-generator.md, "Scenes"). Built on the card generator (cards.rs): the same
//! cards and camera, on real photographs as well as generated desks, with fingers over the
//! card's edges, cards cut by the frame, passport pages with their facing page, cards turned
//! upright, holograms and laminate sheen, desk clutter that looks like a card (papers, books,
//! phones, screens, picture frames, windows, photo prints) and, in a third of the scenes, no
//! document at all (photos of people, desks, screens).
//!
//! Deterministic: a scene is a function of its seed and the sources. The sources are split in
//! two — `Split::Train` and `Split::Held` — by file (backdrops) and by identity (people), so the
//! held-out scenes show other backgrounds and other faces than the training ones.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::sync::Arc;

use likeness::raster::RgbImage;

use super::cards::{self, Card, CardSpec, Format, FrameBuf, Glare, Homography, Print, Rng, Shot};
use super::hands::{finger, Arm, Capsule};

pub type Quad = [[f32; 2]; 4];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Split {
    Train,
    Held,
}

/// What a scene shows (the eval's rows).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SceneKind {
    /// A card 25–85 % of the frame, any rotation, tilted up to 40°.
    Typical,
    /// A card 8–20 % of the frame's width.
    Far,
    /// A card filling 85–97 % of the frame.
    Near,
    /// A card partly out of the frame (one or two corners outside).
    Cut,
    /// The image is the card: a flat scan or a tight crop.
    Scan,
    /// A photo of one or more people, no document.
    People,
    /// A desk with clutter (papers, books, phones, screens, frames, prints), no document.
    Clutter,
}

impl SceneKind {
    pub const ALL: [SceneKind; 7] = [SceneKind::Typical, SceneKind::Far, SceneKind::Near, SceneKind::Cut, SceneKind::Scan, SceneKind::People, SceneKind::Clutter];
    pub fn name(self) -> &'static str {
        match self {
            SceneKind::Typical => "typical",
            SceneKind::Far => "far",
            SceneKind::Near => "near",
            SceneKind::Cut => "cut",
            SceneKind::Scan => "scan",
            SceneKind::People => "people",
            SceneKind::Clutter => "clutter",
        }
    }
    pub fn has_document(self) -> bool {
        !matches!(self, SceneKind::People | SceneKind::Clutter)
    }
    /// The mix of kinds: 30 % of scenes have no document.
    fn pick(rng: &mut Rng) -> SceneKind {
        let r = rng.unit();
        match r {
            _ if r < 0.30 => SceneKind::Typical,
            _ if r < 0.42 => SceneKind::Far,
            _ if r < 0.52 => SceneKind::Near,
            _ if r < 0.64 => SceneKind::Cut,
            _ if r < 0.70 => SceneKind::Scan,
            _ if r < 0.85 => SceneKind::People,
            _ => SceneKind::Clutter,
        }
    }
}

/// One generated photo with its truth.
#[derive(Debug, Clone)]
pub struct Scene {
    pub kind: SceneKind,
    pub image: RgbImage,
    /// The document's corners TL, TR, BR, BL as read (frame px; outside the frame when cut).
    pub quad: Option<Quad>,
    pub format: Option<Format>,
    /// The printed portrait's box (frame px) and its inter-eye distance (frame px).
    pub portrait_quad: Option<Quad>,
    pub portrait_eye_dist: f32,
    /// Share of the document's area inside the frame (1 = fully visible).
    pub visible: f32,
    /// The card printed upright (its long side vertical): the portrait search reads 0°/180°.
    pub upright_card: bool,
}

/// Where the scenes' photographs come from, for one split.
pub struct Sources {
    /// Real photographs used as the surface (desks, wood, fabric, stone, landscapes).
    pub backdrops: Vec<Arc<RgbImage>>,
    /// Photos of people (whole LFW photos): negatives, screens, prints, and portraits.
    pub people: Vec<RgbImage>,
}

impl Sources {
    /// Backdrops from Debian's photo packages (gimp-data's patterns, the Plasma and GNOME
    /// wallpapers) and people from LFW (../shared/datasets/lfw or $LIKENESS_DATASETS/lfw), each
    /// kept to its split; the committed golden photos stand in when LFW is missing. Backdrops
    /// are scaled to at most `max_side` px.
    pub fn load(split: Split, people_limit: usize, max_side: u32) -> Sources {
        let mut backdrops = Vec::new();
        for path in backdrop_files() {
            let name = path.to_string_lossy().into_owned();
            if split_of(&name) != split {
                continue;
            }
            if let Some(img) = load_any(&path) {
                backdrops.push(Arc::new(shrink(&img, max_side)));
            }
        }
        let mut people = Vec::new();
        let lfw = datasets().join("lfw");
        let mut names: Vec<PathBuf> = std::fs::read_dir(&lfw).map(|d| d.flatten().map(|e| e.path()).filter(|p| p.is_dir()).collect()).unwrap_or_default();
        names.sort();
        for person in names {
            if people.len() >= people_limit {
                break;
            }
            let id = person.file_name().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
            if split_of_identity(&id) != split {
                continue;
            }
            let first = std::fs::read_dir(&person).ok().and_then(|d| d.flatten().map(|e| e.path()).filter(|p| p.extension().is_some_and(|e| e == "jpg")).min());
            if let Some(img) = first.and_then(|f| load_any(&f)) {
                people.push(img);
            }
        }
        if people.is_empty() {
            let golden = super::root().join("tests/fixtures/golden");
            for name in ["obama_640x480", "biden", "obama3", "obama2"] {
                if let Some(img) = load_any(&golden.join(format!("{name}.png"))) {
                    people.push(img);
                }
            }
        }
        Sources { backdrops, people }
    }
}

/// `../shared/datasets` or `$LIKENESS_DATASETS`, whether or not it is there.
pub fn datasets() -> PathBuf {
    std::env::var_os("LIKENESS_DATASETS").map(PathBuf::from).unwrap_or_else(|| super::root().join("../shared/datasets"))
}

/// Backdrop photographs found on this machine (none is committed), sorted.
pub fn backdrop_files() -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut walk = vec![PathBuf::from("/usr/share/gimp/2.0/patterns"), PathBuf::from("/usr/share/wallpapers"), PathBuf::from("/usr/share/backgrounds/gnome")];
    while let Some(dir) = walk.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else { continue };
        let mut files: Vec<PathBuf> = Vec::new();
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                walk.push(p);
            } else if p.extension().is_some_and(|x| ["pat", "jpg", "jpeg", "png", "webp"].iter().any(|k| x.eq_ignore_ascii_case(k))) {
                files.push(p);
            }
        }
        // A wallpaper ships in many sizes: keep the one nearest 1920 wide (its name says).
        if dir.ends_with("images") {
            files.sort_by_key(|p| {
                let w: i64 = p.file_stem().and_then(|s| s.to_str()).and_then(|s| s.split('x').next()).and_then(|w| w.parse().ok()).unwrap_or(0);
                (w - 1920).abs()
            });
            files.truncate(1);
        }
        out.extend(files);
    }
    out.sort();
    out
}

fn fnv(s: &str) -> u64 {
    let mut h = 0xcbf2_9ce4_8422_2325u64;
    for b in s.bytes() {
        h = (h ^ b as u64).wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// One backdrop file in four is held out.
fn split_of(name: &str) -> Split {
    if fnv(name) % 4 == 0 { Split::Held } else { Split::Train }
}

/// The identity halves of `likeness eval` (fnv1a64 & 1): half A trains, half B is held out,
/// so no person of the measured calibration half is seen in training.
fn split_of_identity(id: &str) -> Split {
    if fnv(id) & 1 == 0 { Split::Train } else { Split::Held }
}

fn load_any(path: &Path) -> Option<RgbImage> {
    let bytes = std::fs::read(path).ok()?;
    if path.extension().is_some_and(|e| e == "pat") {
        return gimp_pattern(&bytes);
    }
    let img = image::load_from_memory(&bytes).ok()?.to_rgb8();
    let (w, h) = (img.width(), img.height());
    RgbImage::from_raw(w, h, img.into_raw())
}

/// GIMP's .pat: a big-endian header (size, version, width, height, bytes per pixel, "GPAT",
/// name), then the pixels.
fn gimp_pattern(b: &[u8]) -> Option<RgbImage> {
    let u = |i: usize| b.get(i..i + 4).map(|s| u32::from_be_bytes([s[0], s[1], s[2], s[3]]) as usize);
    let (header, w, h, bpp) = (u(0)?, u(8)?, u(12)?, u(16)?);
    if !(1..=4).contains(&bpp) || w == 0 || h == 0 || w > 8192 || h > 8192 {
        return None;
    }
    let px = b.get(header..header + w * h * bpp)?;
    let mut out = Vec::with_capacity(w * h * 3);
    for p in px.chunks_exact(bpp) {
        match bpp {
            1 | 2 => out.extend_from_slice(&[p[0]; 3]),
            _ => out.extend_from_slice(&p[..3]),
        }
    }
    // Patterns are tiles (often 64–256 px): tile to a desk-sized surface.
    let (tw, th) = (w.max(1024.min(w * 4)), h.max(768.min(h * 4)));
    let mut tiled = Vec::with_capacity(tw * th * 3);
    for y in 0..th {
        for x in 0..tw {
            let i = ((y % h) * w + (x % w)) * 3;
            tiled.extend_from_slice(&out[i..i + 3]);
        }
    }
    RgbImage::from_raw(tw as u32, th as u32, tiled)
}

fn shrink(img: &RgbImage, max_side: u32) -> RgbImage {
    let long = img.width().max(img.height());
    if long <= max_side {
        return img.clone();
    }
    let k = max_side as f32 / long as f32;
    cards::cover(img, ((img.width() as f32 * k) as usize).max(1), ((img.height() as f32 * k) as usize).max(1))
}

/// Phone frames (w, h) of a long side `long`: 9:16 and 16:9 camera frames, 3:4 and 4:3 photos.
fn frame_size(rng: &mut Rng, long: u32) -> (u32, u32) {
    let ratios = [(16, 9), (9, 16), (16, 9), (9, 16), (4, 3), (3, 4), (3, 2)];
    let (a, b) = ratios[rng.below(ratios.len())];
    let (l, s) = (long, (long as f32 * a.min(b) as f32 / a.max(b) as f32).round() as u32);
    if a >= b { (l, s) } else { (s, l) }
}

/// A random scene at a frame whose long side is `long` px (the training data: 512; the eval:
/// 1920). `kind`: `None` draws one from the mix.
pub fn random_scene(seed: u64, kind: Option<SceneKind>, src: &Sources, long: u32) -> Scene {
    let mut rng = Rng::new(cards::mix(seed, 0x5ce4e));
    let kind = kind.unwrap_or_else(|| SceneKind::pick(&mut rng));
    match kind {
        SceneKind::People => people_photo(&mut rng, src, long),
        SceneKind::Clutter => clutter_desk(&mut rng, src, long),
        _ => card_scene(&mut rng, kind, src, long),
    }
}

/// The shot's surface: a real photograph (60 %) or the generated desk.
fn surface(rng: &mut Rng, src: &Sources, shot: &mut Shot) {
    shot.background_seed = rng.next_u64();
    if !src.backdrops.is_empty() && rng.chance(0.6) {
        let b = &src.backdrops[rng.below(src.backdrops.len())];
        shot.backdrop = Some(Arc::new(variant(b, rng)));
    }
}

/// A backdrop flipped, turned or cut differently, so a few photos give many surfaces.
fn variant(img: &RgbImage, rng: &mut Rng) -> RgbImage {
    let (w, h) = (img.width() as usize, img.height() as usize);
    let cw = ((w as f32) * rng.range(0.5, 1.0)) as usize;
    let ch = ((h as f32) * rng.range(0.5, 1.0)) as usize;
    let (x0, y0) = (rng.below(w - cw.min(w) + 1), rng.below(h - ch.min(h) + 1));
    let (flip, turn) = (rng.chance(0.5), rng.chance(0.3));
    let (ow, oh) = if turn { (ch.max(1), cw.max(1)) } else { (cw.max(1), ch.max(1)) };
    let raw = img.as_raw();
    let mut out = Vec::with_capacity(ow * oh * 3);
    for y in 0..oh {
        for x in 0..ow {
            let (mut sx, sy) = if turn { (y, ow - 1 - x) } else { (x, y) };
            if flip {
                sx = cw.max(1) - 1 - sx.min(cw.max(1) - 1);
            }
            let i = ((y0 + sy.min(ch.max(1) - 1)).min(h - 1) * w + (x0 + sx).min(w - 1)) * 3;
            out.extend_from_slice(raw.get(i..i + 3).unwrap_or(&[128, 128, 128]));
        }
    }
    RgbImage::from_raw(ow as u32, oh as u32, out).unwrap_or_else(|| img.clone())
}

/// The sensor and optics of a phone, drawn widely: blur, shake, noise, JPEG, light, casts.
fn degrade(rng: &mut Rng, shot: &mut Shot, long: u32) {
    let k = long as f32 / 1920.0;
    shot.blur_sigma = if rng.chance(0.2) { rng.range(1.5, 4.0) } else { rng.range(0.0, 1.5) } * k.max(0.3);
    shot.motion = if rng.chance(0.15) {
        let (len, a) = (rng.range(4.0, 30.0) * k, rng.range(0.0, std::f32::consts::TAU));
        [len * a.cos(), len * a.sin()]
    } else {
        [0.0; 2]
    };
    let noisy = rng.chance(0.2);
    shot.noise_sigma = rng.range(0.0, if noisy { 12.0 } else { 5.0 });
    shot.jpeg_quality = rng.chance(0.85).then(|| rng.range(45.0, 95.0) as u8);
    shot.light = match rng.below(10) {
        0 | 1 => rng.range(0.35, 0.65),
        2 => rng.range(1.25, 1.6),
        _ => rng.range(0.75, 1.2),
    };
    shot.tint = if rng.chance(0.35) {
        // Tungsten (warm), shade (blue), fluorescent (green).
        match rng.below(3) {
            0 => [rng.range(1.05, 1.25), 1.0, rng.range(0.65, 0.9)],
            1 => [rng.range(0.8, 0.95), 1.0, rng.range(1.05, 1.25)],
            _ => [rng.range(0.9, 1.0), rng.range(1.02, 1.12), rng.range(0.9, 1.0)],
        }
    } else {
        [1.0; 3]
    };
}

// ---------------------------------------------------------------------------------------------
// Scenes with a document.
// ---------------------------------------------------------------------------------------------

/// A card of the scene's own: format, print, portrait side, bands, hologram, an upright
/// layout or a passport page with its facing page. Returns the card and the data page's box
/// on it (card px): the document the truth is about.
fn random_card(rng: &mut Rng, src: &Sources, long: u32) -> (Card, [f32; 4], bool) {
    let format = if rng.chance(0.55) { Format::Id1 } else { Format::Id3 };
    let portrait = match src.people.len() {
        0 => grey(3, 4),
        n => cards::portrait_crop(&src.people[rng.below(n)], cards::PORTRAIT_CROP_SCALE),
    };
    let spec = CardSpec {
        format,
        portrait,
        print: if rng.chance(0.5) { Print::Colour } else { Print::Grey },
        ghost: rng.chance(0.8),
        seed: rng.next_u64(),
        width_px: (rng.range(0.35, 0.55) * long as f32).max(300.0) as u32,
    };
    let mut card = cards::render_card(&spec);
    if rng.chance(0.35) {
        paint_bands(&mut card, rng);
    }
    if rng.chance(0.3) {
        paint_hologram(&mut card, rng);
    }
    if rng.chance(0.3) {
        card = mirrored(card);
    }
    let (cw, ch) = (card.image.width() as f32, card.image.height() as f32);
    if format == Format::Id3 && rng.chance(0.5) {
        let data_page = [0.0, ch, cw, 2.0 * ch];
        return (with_facing_page(card, rng), data_page, false);
    }
    if format == Format::Id1 && rng.chance(0.08) {
        return (upright(card), [0.0, 0.0, ch, cw], true);
    }
    (card, [0.0, 0.0, cw, ch], false)
}

/// A grey image (`from_raw` fails only on a size mismatch, which this cannot have).
fn grey(w: u32, h: u32) -> RgbImage {
    RgbImage::from_raw(w, h, vec![128; (w * h * 3) as usize]).unwrap_or_else(|| grey(1, 1))
}

/// Colour bands across the card (driving licences, residence permits), behind nothing.
fn paint_bands(card: &mut Card, rng: &mut Rng) {
    let (w, h) = (card.image.width() as usize, card.image.height() as usize);
    let colour = [rng.range(20.0, 230.0), rng.range(20.0, 230.0), rng.range(20.0, 230.0)];
    let (y0, y1) = if rng.chance(0.5) { (0.0, rng.range(0.06, 0.16)) } else { (rng.range(0.84, 0.92), 1.0) };
    let alpha = rng.range(0.4, 0.85);
    let p = card.portrait_box;
    edit_pixels(&mut card.image, |x, y, px| {
        let v = y as f32 / h as f32;
        let inside_portrait = (x as f32) >= p[0] && (x as f32) < p[2] && (y as f32) >= p[1] && (y as f32) < p[3];
        if v >= y0 && v < y1 && !inside_portrait && w > 0 {
            for c in 0..3 {
                px[c] += (colour[c] - px[c]) * alpha;
            }
        }
    });
}

/// An iridescent hologram patch: rainbow stripes, faint, somewhere on the card.
fn paint_hologram(card: &mut Card, rng: &mut Rng) {
    let (w, h) = (card.image.width() as f32, card.image.height() as f32);
    let (cx, cy, r) = (rng.range(0.1, 0.9) * w, rng.range(0.15, 0.85) * h, rng.range(0.08, 0.2) * w);
    let (alpha, period) = (rng.range(0.15, 0.35), rng.range(6.0, 18.0));
    edit_pixels(&mut card.image, |x, y, px| {
        let d = ((x as f32 - cx).powi(2) + (y as f32 - cy).powi(2)).sqrt() / r;
        if d < 1.0 {
            let t = (x as f32 + y as f32) / period;
            let rainbow = [0.5 + 0.5 * t.sin(), 0.5 + 0.5 * (t + 2.1).sin(), 0.5 + 0.5 * (t + 4.2).sin()];
            let a = alpha * (1.0 - d * d);
            for c in 0..3 {
                px[c] += (255.0 * rainbow[c] - px[c]) * a;
            }
        }
    });
}

fn edit_pixels(img: &mut RgbImage, mut f: impl FnMut(usize, usize, &mut [f32; 3])) {
    let (w, h) = (img.width() as usize, img.height() as usize);
    let mut data = img.as_raw().to_vec();
    for y in 0..h {
        for x in 0..w {
            let i = (y * w + x) * 3;
            let Some(p) = data.get_mut(i..i + 3) else { continue };
            let mut v = [p[0] as f32, p[1] as f32, p[2] as f32];
            f(x, y, &mut v);
            for c in 0..3 {
                p[c] = v[c].round().clamp(0.0, 255.0) as u8;
            }
        }
    }
    if let Some(out) = RgbImage::from_raw(w as u32, h as u32, data) {
        *img = out;
    }
}

/// The card mirrored left to right: the portrait on the right (some national layouts).
fn mirrored(mut card: Card) -> Card {
    let (w, h) = (card.image.width() as usize, card.image.height() as usize);
    let raw = card.image.as_raw();
    let mut out = Vec::with_capacity(w * h * 3);
    for y in 0..h {
        for x in 0..w {
            let i = (y * w + (w - 1 - x)) * 3;
            out.extend_from_slice(&raw[i..i + 3]);
        }
    }
    if let Some(img) = RgbImage::from_raw(w as u32, h as u32, out) {
        card.image = img;
    }
    let wf = w as f32;
    let flip = |b: [f32; 4]| [wf - b[2], b[1], wf - b[0], b[3]];
    card.portrait_box = flip(card.portrait_box);
    card.ghost_box = card.ghost_box.map(flip);
    card.eyes = [[wf - card.eyes[1][0], card.eyes[1][1]], [wf - card.eyes[0][0], card.eyes[0][1]]];
    card
}

/// The card turned by 90° into an upright (portrait-format) card.
fn upright(mut card: Card) -> Card {
    let (w, h) = (card.image.width() as usize, card.image.height() as usize);
    let raw = card.image.as_raw();
    let mut out = Vec::with_capacity(w * h * 3);
    // New (x, y) = old (y', x) with the old left edge at the bottom: old x = h' - 1 - y.
    for y in 0..w {
        for x in 0..h {
            let (ox, oy) = (w - 1 - y, x);
            let i = (oy * w + ox) * 3;
            out.extend_from_slice(&raw[i..i + 3]);
        }
    }
    if let Some(img) = RgbImage::from_raw(h as u32, w as u32, out) {
        card.image = img;
    }
    let wf = w as f32;
    let turn = |b: [f32; 4]| [b[1], wf - b[2], b[3], wf - b[0]];
    card.portrait_box = turn(card.portrait_box);
    card.ghost_box = card.ghost_box.map(turn);
    card.eyes = card.eyes.map(|p| [p[1], wf - p[0]]);
    card
}

/// A passport opened at its data page: the facing page (visa pages' pale print, a stamp) above
/// it, one booklet. The truth is the data page only.
fn with_facing_page(mut card: Card, rng: &mut Rng) -> Card {
    let (w, h) = (card.image.width() as usize, card.image.height() as usize);
    let tint = [rng.range(215.0, 245.0), rng.range(210.0, 240.0), rng.range(200.0, 235.0)];
    let mut out = Vec::with_capacity(w * 2 * h * 3);
    let (lines, stamp) = (rng.range(12.0, 30.0), [rng.range(0.2, 0.8) * w as f32, rng.range(0.2, 0.8) * h as f32, rng.range(0.08, 0.16) * w as f32]);
    let ink = [rng.range(40.0, 160.0), rng.range(40.0, 120.0), rng.range(80.0, 200.0)];
    for y in 0..h {
        for x in 0..w {
            let (xf, yf) = (x as f32, y as f32);
            let wave = 0.5 + 0.5 * ((xf / lines) + 2.0 * (yf / (3.0 * lines)).sin()).sin();
            let mut p = tint.map(|t| t - 12.0 * wave);
            let d = ((xf - stamp[0]).powi(2) + (yf - stamp[1]).powi(2)).sqrt();
            if (d - stamp[2]).abs() < 3.0 || (d - 0.7 * stamp[2]).abs() < 2.0 {
                p = [0, 1, 2].map(|c| p[c] * 0.4 + ink[c] * 0.6);
            }
            // The fold: a soft shadow toward the data page.
            let fold = ((h - y) as f32 / (0.04 * h as f32)).min(1.0);
            out.extend(p.map(|v| (v * (0.8 + 0.2 * fold)).clamp(0.0, 255.0) as u8));
        }
    }
    out.extend_from_slice(card.image.as_raw());
    if let Some(img) = RgbImage::from_raw(w as u32, 2 * h as u32, out) {
        card.image = img;
    }
    let dy = h as f32;
    let down = |b: [f32; 4]| [b[0], b[1] + dy, b[2], b[3] + dy];
    card.portrait_box = down(card.portrait_box);
    card.ghost_box = card.ghost_box.map(down);
    card.eyes = card.eyes.map(|p| [p[0], p[1] + dy]);
    card
}

fn card_scene(rng: &mut Rng, kind: SceneKind, src: &Sources, long: u32) -> Scene {
    let (card, page, upright_card) = random_card(rng, src, long);
    let (fw, fh) = if kind == SceneKind::Scan { (0, 0) } else { frame_size(rng, long) };
    let mut shot = Shot::default();
    surface(rng, src, &mut shot);
    degrade(rng, &mut shot, long);
    let cw = card.image.width() as f32;
    let page_aspect = (page[2] - page[0]) / (page[3] - page[1]).max(1.0);
    if kind == SceneKind::Scan {
        // The image is the document: a flat scan or a tight crop, a few px of margin at most.
        let margin = rng.range(0.0, 0.03);
        let turned = rng.chance(0.2);
        let (w, h) = if page_aspect >= 1.0 { (long, (long as f32 / page_aspect) as u32) } else { ((long as f32 * page_aspect) as u32, long) };
        let (w, h) = if turned { (h, w) } else { (w, h) };
        let along = if turned { h } else { w } as f32;
        let card_width = along / (1.0 + 2.0 * margin) * (cw / (page[2] - page[0]));
        shot = Shot { frame_w: w, frame_h: h, card_width, rotation_deg: if turned { 90.0 } else { 0.0 } + rng.range(-1.0, 1.0), tilt: [rng.range(-3.0, 3.0), rng.range(-3.0, 3.0)], ..shot };
        shot.motion = [0.0; 2];
        shot.light = rng.range(0.9, 1.15);
        let c = [w as f32 / 2.0, h as f32 / 2.0];
        shot.centre = c;
        // Centre the data page, not the booklet.
        let off = page_centre_offset(&card, page, &shot);
        shot.centre = [c[0] - off[0], c[1] - off[1]];
        return finish_card_scene(rng, kind, card, page, upright_card, shot, src);
    }
    shot.frame_w = fw;
    shot.frame_h = fh;
    // Rotation: any angle in 40 % of shots, else near upright or turned to fill the frame.
    shot.rotation_deg = if rng.chance(0.4) {
        rng.range(0.0, 360.0)
    } else {
        let turned = fh > fw && rng.chance(0.5);
        rng.range(-15.0, 15.0) + if turned { 90.0 * rng.sign() } else { 0.0 } + if rng.chance(0.1) { 180.0 } else { 0.0 }
    };
    let tilt_mag = if rng.chance(0.25) { rng.range(20.0, 40.0) } else { rng.range(0.0, 20.0) };
    let dir = rng.range(0.0, std::f32::consts::TAU);
    shot.tilt = [tilt_mag * dir.cos(), tilt_mag * dir.sin()];
    // Sizes are of the data page's long side against the frame's side it lies along.
    let page_share = (page[2] - page[0]) / cw;
    let fit = fit_width_of(&card, &shot);
    let (short, longf) = (fw.min(fh) as f32, fw.max(fh) as f32);
    let width = match kind {
        SceneKind::Far => rng.range(0.08, 0.2) * fw as f32 / page_share,
        SceneKind::Near => fit * rng.range(0.85, 0.97),
        SceneKind::Cut => rng.range(0.4, 0.9) * longf / page_share,
        _ => rng.range(0.25, 0.85) * short.max(0.6 * longf) / page_share,
    };
    shot.card_width = if kind == SceneKind::Cut { width } else { width.min(fit) };
    shot.centre = if kind == SceneKind::Cut { cut_centre(rng, &card, page, &shot) } else { inside_centre(rng, &card, &shot) };
    if rng.chance(0.4) {
        shot.glare = glare_and_sheen(rng);
    }
    finish_card_scene(rng, kind, card, page, upright_card, shot, src)
}

fn glare_and_sheen(rng: &mut Rng) -> Vec<Glare> {
    let mut g = Vec::new();
    if rng.chance(0.6) {
        // Laminate sheen: a wide, weak highlight.
        g.push(Glare { centre: [rng.range(0.0, 1.0), rng.range(0.0, 1.0)], radius: rng.range(0.4, 1.0), strength: rng.range(0.1, 0.3) });
    }
    if rng.chance(0.6) {
        g.push(Glare { centre: [rng.range(0.05, 0.95), rng.range(0.1, 0.9)], radius: rng.range(0.03, 0.12), strength: rng.range(0.4, 1.0) });
    }
    g
}

/// The data page's centre minus the card image's centre, in frame px (near enough: the shot
/// is flat and upright, or turned by 90°).
fn page_centre_offset(card: &Card, page: [f32; 4], shot: &Shot) -> [f32; 2] {
    let q = cards::card_corners(card.image.width() as f32, card.image.height() as f32, shot);
    let h = Homography::from_points(&rect([0.0, 0.0, card.image.width() as f32, card.image.height() as f32]), &q);
    let Some(h) = h else { return [0.0; 2] };
    let pc = h.apply([(page[0] + page[2]) / 2.0, (page[1] + page[3]) / 2.0]);
    let cc = h.apply([card.image.width() as f32 / 2.0, card.image.height() as f32 / 2.0]);
    [pc[0] - cc[0], pc[1] - cc[1]]
}

fn rect(b: [f32; 4]) -> Quad {
    [[b[0], b[1]], [b[2], b[1]], [b[2], b[3]], [b[0], b[3]]]
}

fn bbox(q: &Quad) -> [f32; 4] {
    let xs = q.map(|p| p[0]);
    let ys = q.map(|p| p[1]);
    [xs.iter().copied().fold(f32::MAX, f32::min), ys.iter().copied().fold(f32::MAX, f32::min), xs.iter().copied().fold(f32::MIN, f32::max), ys.iter().copied().fold(f32::MIN, f32::max)]
}

/// The largest card width at which the whole card image fits in 96 % of the frame.
fn fit_width_of(card: &Card, shot: &Shot) -> f32 {
    let mut s = shot.clone();
    s.centre = [s.frame_w as f32 / 2.0, s.frame_h as f32 / 2.0];
    s.card_width = 0.5 * s.frame_w as f32;
    let (cw, ch) = (card.image.width() as f32, card.image.height() as f32);
    for _ in 0..3 {
        let b = bbox(&cards::card_corners(cw, ch, &s));
        let k = (0.96 * s.frame_w as f32 / (b[2] - b[0]).max(1.0)).min(0.96 * s.frame_h as f32 / (b[3] - b[1]).max(1.0));
        s.card_width *= k;
    }
    s.card_width
}

/// A centre keeping the whole card image inside the frame (2 % margin).
fn inside_centre(rng: &mut Rng, card: &Card, shot: &Shot) -> [f32; 2] {
    let mut s = shot.clone();
    s.centre = [0.0, 0.0];
    let b = bbox(&cards::card_corners(card.image.width() as f32, card.image.height() as f32, &s));
    let m = 0.02 * shot.frame_w.min(shot.frame_h) as f32;
    let pick = |rng: &mut Rng, lo: f32, hi: f32| if hi > lo { rng.range(lo, hi) } else { (lo + hi) / 2.0 };
    [pick(rng, m - b[0], shot.frame_w as f32 - m - b[2]), pick(rng, m - b[1], shot.frame_h as f32 - m - b[3])]
}

/// A centre that puts one or two of the data page's corners outside the frame, with at least
/// 45 % of the page inside.
fn cut_centre(rng: &mut Rng, card: &Card, page: [f32; 4], shot: &Shot) -> [f32; 2] {
    let (w, h) = (shot.frame_w as f32, shot.frame_h as f32);
    let mut best = [w / 2.0, h / 2.0];
    for _ in 0..40 {
        let c = [rng.range(0.0, w), rng.range(0.0, h)];
        let s = Shot { centre: c, ..shot.clone() };
        let q = page_quad(card, page, &s);
        let outside = q.iter().filter(|p| p[0] < 0.0 || p[1] < 0.0 || p[0] > w || p[1] > h).count();
        let vis = visible_share(&q, w, h);
        if (1..=2).contains(&outside) && vis >= 0.45 {
            return c;
        }
        best = c;
    }
    best
}

fn page_quad(card: &Card, page: [f32; 4], shot: &Shot) -> Quad {
    let (cw, ch) = (card.image.width() as f32, card.image.height() as f32);
    let q = cards::card_corners(cw, ch, shot);
    match Homography::from_points(&rect([0.0, 0.0, cw, ch]), &q) {
        Some(h) => rect(page).map(|p| h.apply(p)),
        None => q,
    }
}

/// Share of a convex quad's area inside the frame (by sampling a 32x32 grid over the quad).
pub fn visible_share(q: &Quad, w: f32, h: f32) -> f32 {
    let Some(hm) = Homography::from_points(&rect([0.0, 0.0, 1.0, 1.0]), q) else { return 0.0 };
    let (mut inside, n) = (0usize, 32usize);
    for i in 0..n {
        for j in 0..n {
            let p = hm.apply([(i as f32 + 0.5) / n as f32, (j as f32 + 0.5) / n as f32]);
            if p[0] >= 0.0 && p[1] >= 0.0 && p[0] < w && p[1] < h {
                inside += 1;
            }
        }
    }
    inside as f32 / (n * n) as f32
}

fn finish_card_scene(rng: &mut Rng, kind: SceneKind, card: Card, page: [f32; 4], upright_card: bool, shot: Shot, src: &Sources) -> Scene {
    let quad = page_quad(&card, page, &shot);
    let clutter: Vec<Object> = if kind != SceneKind::Scan && rng.chance(0.6) { (0..1 + rng.below(4)).map(|_| Object::random(rng, src, shot.frame_w, shot.frame_h)).collect() } else { Vec::new() };
    let fingers: Vec<Capsule> = if kind != SceneKind::Scan && rng.chance(0.35) { (0..1 + rng.below(2)).map(|_| finger(rng, &quad)).collect() } else { Vec::new() };
    // A whole hand holding the card, as often as hands appear in the scenes without one.
    let arm = (kind != SceneKind::Scan && rng.chance(0.2)).then(|| Arm::holding(rng, &quad));
    let photo = cards::photograph_scene(
        &card,
        &shot,
        &mut |f| clutter.iter().filter(|o| !overlaps(&o.quad, &quad)).for_each(|o| o.draw(f)),
        &mut |f| {
            fingers.iter().for_each(|g| g.draw(f));
            arm.iter().for_each(|a| a.draw(f));
        },
    );
    let (w, h) = (shot.frame_w as f32, shot.frame_h as f32);
    Scene {
        kind,
        image: photo.image,
        quad: Some(quad),
        format: Some(card.format),
        portrait_quad: Some(photo.portrait_quad),
        portrait_eye_dist: photo.portrait_eye_dist,
        visible: visible_share(&quad, w, h),
        upright_card,
    }
}

fn overlaps(a: &Quad, b: &Quad) -> bool {
    let (p, q) = (bbox(a), bbox(b));
    !(p[2] < q[0] || q[2] < p[0] || p[3] < q[1] || q[3] < p[1])
}

// ---------------------------------------------------------------------------------------------
// Scenes without a document.
// ---------------------------------------------------------------------------------------------

/// A photo of people: one LFW photo (a portrait) or two or three side by side (a group), at
/// 4:3, 3:2, 3:4, 2:3 or 1:1 — the aspects a scan fallback took for a card.
fn people_photo(rng: &mut Rng, src: &Sources, long: u32) -> Scene {
    let ratios = [(4.0, 3.0), (3.0, 2.0), (3.0, 4.0), (2.0, 3.0), (1.0, 1.0), (16.0, 9.0), (9.0, 16.0)];
    let (a, b) = ratios[rng.below(ratios.len())];
    let (w, h) = if a >= b { (long, (long as f32 * b / a) as u32) } else { ((long as f32 * a / b) as u32, long) };
    let n = if w > h && rng.chance(0.4) { 2 + rng.below(2) } else { 1 };
    let mut shot = Shot { frame_w: w, frame_h: h, ..Shot::default() };
    degrade(rng, &mut shot, long);
    shot.motion = [0.0; 2];
    shot.background_seed = rng.next_u64();
    let photos: Vec<RgbImage> = (0..n)
        .filter_map(|_| {
            let i = (!src.people.is_empty()).then(|| rng.below(src.people.len()))?;
            Some(closer(rng, &src.people[i]))
        })
        .collect();
    // Arms and hands in front of the people (real photos show them; the cards' scenes did).
    let arms: Vec<Arm> = if rng.chance(0.5) { (0..1 + rng.below(2)).map(|_| Arm::anywhere(rng, w as f32, h as f32)).collect() } else { Vec::new() };
    let image = cards::photograph_empty(&shot, &mut |f| {
        let part = f.w / photos.len().max(1);
        for (i, p) in photos.iter().enumerate() {
            let tile = cards::cover(p, part.max(1), f.h);
            blit(f, &tile, i * part, 0);
        }
        arms.iter().for_each(|a| a.draw(f));
    });
    Scene { kind: SceneKind::People, image, quad: None, format: None, portrait_quad: None, portrait_eye_dist: 0.0, visible: 0.0, upright_card: false }
}

/// A photo of people as taken, or closer in (40 %): a face, a collar, a shirt filling the frame
/// (a part of the photo 40–85 % of its size, anywhere in it).
fn closer(rng: &mut Rng, photo: &RgbImage) -> RgbImage {
    if !rng.chance(0.4) {
        return photo.clone();
    }
    let (w, h) = (photo.width() as f32, photo.height() as f32);
    let k = rng.range(0.4, 0.85);
    let (cw, ch) = (w * k, h * k * rng.range(0.8, 1.2).min(1.0 / k));
    let centre = [rng.range(cw / 2.0, w - cw / 2.0), rng.range(ch / 2.0, (h - ch / 2.0).max(ch / 2.0))];
    cards::crop(photo, centre, [cw, ch.min(h)])
}

/// A desk (real or generated) with things that have a card's outline, and no card.
fn clutter_desk(rng: &mut Rng, src: &Sources, long: u32) -> Scene {
    let (w, h) = frame_size(rng, long);
    let mut shot = Shot { frame_w: w, frame_h: h, ..Shot::default() };
    surface(rng, src, &mut shot);
    degrade(rng, &mut shot, long);
    let objects: Vec<Object> = (0..1 + rng.below(4)).map(|_| Object::random(rng, src, w, h)).collect();
    if !src.people.is_empty() && rng.chance(0.2) {
        shot.background_face = Some(cards::portrait_crop(&src.people[rng.below(src.people.len())], 0.9));
    }
    // A hand holding one of them (a phone, a print, a sheet) half the time.
    let arm = (!objects.is_empty() && rng.chance(0.5)).then(|| {
        let held = rng.below(objects.len());
        Arm::holding(rng, &objects[held].quad)
    });
    let image = cards::photograph_empty(&shot, &mut |f| {
        objects.iter().for_each(|o| o.draw(f));
        arm.iter().for_each(|a| a.draw(f));
    });
    Scene { kind: SceneKind::Clutter, image, quad: None, format: None, portrait_quad: None, portrait_eye_dist: 0.0, visible: 0.0, upright_card: false }
}

fn blit(f: &mut FrameBuf, img: &RgbImage, x0: usize, y0: usize) {
    let (iw, ih) = (img.width() as usize, img.height() as usize);
    let raw = img.as_raw();
    for y in 0..ih.min(f.h.saturating_sub(y0)) {
        for x in 0..iw.min(f.w.saturating_sub(x0)) {
            let (i, j) = ((y * iw + x) * 3, ((y0 + y) * f.w + x0 + x) * 3);
            if let (Some(s), Some(d)) = (raw.get(i..i + 3), f.px.get_mut(j..j + 3)) {
                for c in 0..3 {
                    d[c] = s[c] as f32;
                }
            }
        }
    }
}

/// Things on a desk or in a photo whose outline is a quadrilateral.
enum Look {
    /// A printed sheet (A4: 1.414, close to ID-3's 1.420).
    Paper,
    Book([f32; 3]),
    /// A phone or a tablet: dark bezel around a lit screen showing a photo.
    Screen(RgbImage),
    /// A picture frame: a moulding around a photo.
    Frame([f32; 3], RgbImage),
    /// A window: a bright pane with bars.
    Window,
    /// A photo print with a white border.
    Print(RgbImage),
}

struct Object {
    quad: Quad,
    look: Look,
}

impl Object {
    fn random(rng: &mut Rng, src: &Sources, w: u32, h: u32) -> Object {
        let m = w.min(h) as f32;
        let photo = |rng: &mut Rng| -> RgbImage {
            if !src.people.is_empty() && rng.chance(0.6) {
                src.people[rng.below(src.people.len())].clone()
            } else if !src.backdrops.is_empty() {
                (*src.backdrops[rng.below(src.backdrops.len())]).clone()
            } else {
                grey(4, 3)
            }
        };
        let (look, aspect, size) = match rng.below(6) {
            0 => (Look::Paper, 1.414, rng.range(0.5, 1.0)),
            1 => (Look::Book([rng.range(20.0, 220.0), rng.range(20.0, 220.0), rng.range(20.0, 220.0)]), rng.range(1.25, 1.6), rng.range(0.35, 0.7)),
            2 => (Look::Screen(photo(rng)), if rng.chance(0.5) { 2.05 } else { 1.33 }, rng.range(0.3, 0.7)),
            3 => (Look::Frame([rng.range(20.0, 200.0), rng.range(15.0, 150.0), rng.range(10.0, 120.0)], photo(rng)), rng.range(1.2, 1.6), rng.range(0.35, 0.7)),
            4 => (Look::Window, rng.range(1.2, 1.7), rng.range(0.4, 0.8)),
            _ => (Look::Print(photo(rng)), [1.5, 1.333, 1.4][rng.below(3)], rng.range(0.25, 0.5)),
        };
        let long_side = size * m;
        let half = if rng.chance(0.5) { [long_side / 2.0, long_side / aspect / 2.0] } else { [long_side / aspect / 2.0, long_side / 2.0] };
        let centre = [rng.range(-0.1, 1.1) * w as f32, rng.range(-0.1, 1.1) * h as f32];
        let angle = rng.range(-0.7, 0.7);
        // A little perspective: each corner moved by up to 6 % of the size.
        let quad = [[-1.0f32, -1.0], [1.0, -1.0], [1.0, 1.0], [-1.0, 1.0]].map(|[a, b]| {
            let (x, y) = (a * half[0] + rng.range(-0.06, 0.06) * long_side, b * half[1] + rng.range(-0.06, 0.06) * long_side);
            [centre[0] + x * angle.cos() - y * angle.sin(), centre[1] + x * angle.sin() + y * angle.cos()]
        });
        Object { quad, look }
    }

    /// Colour at (u, v) in 0..1 of the object.
    fn colour(&self, u: f32, v: f32) -> [f32; 3] {
        let photo_at = |img: &RgbImage, u: f32, v: f32| -> [f32; 3] {
            let x = (u.clamp(0.0, 0.999) * img.width() as f32) as i64;
            let y = (v.clamp(0.0, 0.999) * img.height() as f32) as i64;
            img.pixel(x, y).map(|p| p.map(|c| c as f32)).unwrap_or([128.0; 3])
        };
        match &self.look {
            Look::Paper => {
                let line = (v * 60.0).fract() < 0.25 && u > 0.1 && u < 0.9 && v > 0.08 && v < 0.92 && ((v * 60.0) as u32 % 7 != 0);
                if line { [90.0, 90.0, 95.0] } else { [238.0, 238.0, 232.0] }
            }
            Look::Book(c) => {
                if v < 0.25 && v > 0.15 && u > 0.15 && u < 0.85 { [235.0, 230.0, 210.0] } else { *c }
            }
            Look::Screen(img) => {
                let b = 0.05;
                if u < b || u > 1.0 - b || v < b || v > 1.0 - b { [18.0, 18.0, 22.0] } else { photo_at(img, (u - b) / (1.0 - 2.0 * b), (v - b) / (1.0 - 2.0 * b)).map(|c| 30.0 + 0.9 * c) }
            }
            Look::Frame(c, img) => {
                let b = 0.1;
                if u < b || u > 1.0 - b || v < b || v > 1.0 - b { c.map(|x| x * (0.8 + 0.2 * (u * 40.0).sin())) } else { photo_at(img, (u - b) / (1.0 - 2.0 * b), (v - b) / (1.0 - 2.0 * b)) }
            }
            Look::Window => {
                let bar = (u - 0.5).abs() < 0.02 || (v - 0.5).abs() < 0.02 || u < 0.04 || u > 0.96 || v < 0.04 || v > 0.96;
                if bar { [235.0, 235.0, 235.0] } else { [200.0 + 40.0 * v, 215.0 + 30.0 * v, 240.0] }
            }
            Look::Print(img) => {
                let b = 0.05;
                if u < b || u > 1.0 - b || v < b || v > 1.0 - b { [244.0; 3] } else { photo_at(img, (u - b) / (1.0 - 2.0 * b), (v - b) / (1.0 - 2.0 * b)) }
            }
        }
    }

    fn draw(&self, f: &mut FrameBuf) {
        draw_quad(f, &self.quad, &|u, v| Some(self.colour(u, v)));
    }
}

/// Fills a convex quad (TL, TR, BR, BL order of the texture) with `colour(u, v)`, edges
/// anti-aliased by 2x2 samples.
fn draw_quad(f: &mut FrameBuf, quad: &Quad, colour: &dyn Fn(f32, f32) -> Option<[f32; 3]>) {
    let Some(to_unit) = Homography::from_points(quad, &rect([0.0, 0.0, 1.0, 1.0])) else { return };
    let b = bbox(quad);
    let (x0, x1) = (b[0].max(0.0) as usize, (b[2].max(0.0) as usize + 1).min(f.w));
    let (y0, y1) = (b[1].max(0.0) as usize, (b[3].max(0.0) as usize + 1).min(f.h));
    for y in y0..y1 {
        for x in x0..x1 {
            let mut cov = 0.0;
            for (dx, dy) in [(0.25, 0.25), (0.75, 0.25), (0.25, 0.75), (0.75, 0.75)] {
                let p = to_unit.apply([x as f32 + dx, y as f32 + dy]);
                if (0.0..=1.0).contains(&p[0]) && (0.0..=1.0).contains(&p[1]) {
                    cov += 0.25;
                }
            }
            if cov == 0.0 {
                continue;
            }
            let p = to_unit.apply([x as f32 + 0.5, y as f32 + 0.5]);
            let Some(c) = colour(p[0].clamp(0.0, 1.0), p[1].clamp(0.0, 1.0)) else { continue };
            let i = (y * f.w + x) * 3;
            if let Some(d) = f.px.get_mut(i..i + 3) {
                for k in 0..3 {
                    d[k] += (c[k] - d[k]) * cov;
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Measuring a found quad against the truth.
// ---------------------------------------------------------------------------------------------

fn polygon_area(p: &[[f32; 2]]) -> f32 {
    let n = p.len();
    ((0..n).map(|i| p[i][0] * p[(i + 1) % n][1] - p[(i + 1) % n][0] * p[i][1]).sum::<f32>() / 2.0).abs()
}

/// `subject` clipped by the convex polygon `clip` (Sutherland–Hodgman).
fn clip_polygon(subject: &[[f32; 2]], clip: &[[f32; 2]]) -> Vec<[f32; 2]> {
    let n = clip.len();
    let orient = if (0..n).map(|i| clip[i][0] * clip[(i + 1) % n][1] - clip[(i + 1) % n][0] * clip[i][1]).sum::<f32>() >= 0.0 { 1.0 } else { -1.0 };
    let side = |a: [f32; 2], b: [f32; 2], p: [f32; 2]| orient * ((b[0] - a[0]) * (p[1] - a[1]) - (b[1] - a[1]) * (p[0] - a[0]));
    let mut out: Vec<[f32; 2]> = subject.to_vec();
    for i in 0..n {
        let (a, b) = (clip[i], clip[(i + 1) % n]);
        let input = std::mem::take(&mut out);
        for j in 0..input.len() {
            let (p, q) = (input[j], input[(j + 1) % input.len()]);
            let (sp, sq) = (side(a, b, p), side(a, b, q));
            if sp >= 0.0 {
                out.push(p);
            }
            if (sp >= 0.0) != (sq >= 0.0) {
                let t = sp / (sp - sq);
                out.push([p[0] + t * (q[0] - p[0]), p[1] + t * (q[1] - p[1])]);
            }
        }
        if out.is_empty() {
            break;
        }
    }
    out
}

/// Jaccard index (intersection over union) of two convex quads, each first cut to the frame
/// (`frame`: w, h): for a card cut by the frame's edge, the index of the visible parts.
pub fn quad_iou(a: &Quad, b: &Quad, frame: [f32; 2]) -> f32 {
    let f = [[0.0, 0.0], [frame[0], 0.0], [frame[0], frame[1]], [0.0, frame[1]]];
    let (pa, pb) = (clip_polygon(a, &f), clip_polygon(b, &f));
    let inter = clip_polygon(&pa, &pb);
    let (aa, ab, ai) = (polygon_area(&pa), polygon_area(&pb), if inter.len() >= 3 { polygon_area(&inter) } else { 0.0 });
    let union = aa + ab - ai;
    if union > 0.0 { ai / union } else { 0.0 }
}
