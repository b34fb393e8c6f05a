//! Synthetic ID documents for the document step's tests and measurements (issue 10): a face
//! photo printed into an ID-1 card or an ID-3 passport data page (guilloche, header band, text,
//! MRZ, ghost image, rounded corners), then photographed by a simulated phone (perspective,
//! rotation, a cluttered desk, glare, blur, noise, JPEG), with the truth of where everything
//! landed. Everything is deterministic by seed. docs/document-generator.md says what it draws,
//! the ranges of each `ShotKind` and what it does not model.
//!
//! Shared by the tests (`mod common;`) and the examples (`#[path]`), so it uses only std,
//! `image` and `likeness::raster::RgbImage`. It never panics on a spec: values out of range are
//! clamped, and a degenerate geometry falls back to a plain scaled card.
#![allow(dead_code)]
// The signature squiggle's 6.28 and a layout coordinate of 0.318 are not π-related constants;
// keeping them keeps every published figure's cards byte-identical.
#![allow(clippy::approx_constant)]

use likeness::raster::RgbImage;

// ---------------------------------------------------------------------------------------------
// The public API (the team's contract for issue 10, Part A)
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// 85.6 x 54 mm cards.
    Id1,
    /// 125 x 88 mm passport data pages.
    Id3,
}

impl Format {
    /// Width over height (ISO/IEC 7810).
    pub fn aspect(self) -> f32 {
        match self {
            Format::Id1 => 85.6 / 54.0,
            Format::Id3 => 125.0 / 88.0,
        }
    }
    /// Corner radius as a share of the width: ID-1's 3.18 mm; data pages are cut rounder-less.
    pub fn corner_radius(self) -> f32 {
        match self {
            Format::Id1 => 3.18 / 85.6,
            Format::Id3 => 3.0 / 125.0,
        }
    }
    pub fn name(self) -> &'static str {
        match self {
            Format::Id1 => "ID-1",
            Format::Id3 => "ID-3",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Print {
    Colour,
    Grey,
}

#[derive(Debug, Clone)]
pub struct CardSpec {
    pub format: Format,
    /// The portrait as printed (see `portrait_crop`): head and shoulders, about 3:4.
    pub portrait: RgbImage,
    pub print: Print,
    pub ghost: bool,
    pub seed: u64,
    /// Rendered card width in pixels (e.g. 1012: 300 dpi for ID-1); clamped to 200..=4000.
    pub width_px: u32,
}

/// The flat card (what a perfect scan gives) and where things are on it (card pixels).
#[derive(Debug, Clone)]
pub struct Card {
    pub image: RgbImage,
    /// x1, y1, x2, y2 of the printed main portrait.
    pub portrait_box: [f32; 4],
    pub ghost_box: Option<[f32; 4]>,
    // ---- beyond the contract ----
    pub format: Format,
    pub print: Print,
    /// Corner radius in card pixels (outside it the scan is white; a photo shows the desk).
    pub corner_radius: f32,
    /// Expected inter-eye distance of the printed portrait in card pixels (see `EYE_SHARE`).
    pub eye_dist: f32,
    /// The eyes' centres in card pixels (approximate, from the crop's geometry).
    pub eyes: [[f32; 2]; 2],
    pub seed: u64,
}

/// How the phone photographs the card.
#[derive(Debug, Clone)]
pub struct Shot {
    pub frame_w: u32,
    pub frame_h: u32,
    /// Card centre in the frame (px).
    pub centre: [f32; 2],
    /// Card width in the frame (px) before perspective.
    pub card_width: f32,
    /// In-plane rotation, clockwise on screen (0 = upright; 90 = read with the head to the right).
    pub rotation_deg: f32,
    /// Perspective: rotation about the card's x and y axes (deg).
    pub tilt: [f32; 2],
    pub glare: Vec<Glare>,
    pub blur_sigma: f32,
    pub noise_sigma: f32,
    pub jpeg_quality: Option<u8>,
    /// The desk/fabric background (never plain), its light gradient and colour cast.
    pub background_seed: u64,
    /// A face lying on the desk, outside the card (must never be chosen as the portrait).
    pub background_face: Option<RgbImage>,
    /// Overall exposure multiplier (1 = normal).
    pub light: f32,
    /// A real photograph as the surface instead of the generated desk, cover-scaled to the
    /// frame (no desk objects are drawn on it): the training scenes (tests/common/scenes.rs).
    pub backdrop: Option<std::sync::Arc<RgbImage>>,
    /// Camera shake during the exposure: the blur's path in frame px (0, 0 = none).
    pub motion: [f32; 2],
    /// A colour cast, per-channel gain (1 = none), on top of the lamp's slight one.
    pub tint: [f32; 3],
}

impl Default for Shot {
    fn default() -> Self {
        Shot {
            frame_w: 1280,
            frame_h: 720,
            centre: [640.0, 360.0],
            card_width: 800.0,
            rotation_deg: 0.0,
            tilt: [0.0, 0.0],
            glare: Vec::new(),
            blur_sigma: 0.0,
            noise_sigma: 0.0,
            jpeg_quality: None,
            background_seed: 0,
            background_face: None,
            light: 1.0,
            backdrop: None,
            motion: [0.0; 2],
            tint: [1.0; 3],
        }
    }
}

/// A specular spot: an ellipse on the card, `radius` along the card's x and 0.6 `radius` along
/// its y, with a saturated core where `strength` is high.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Glare {
    /// Centre in card units (0..1 of width and height).
    pub centre: [f32; 2],
    /// Semi-axis along the card's x, as a share of the card's width.
    pub radius: f32,
    /// 0..1: 0.6 already whitens the middle of the spot.
    pub strength: f32,
}

#[derive(Debug, Clone)]
pub struct Photo {
    pub image: RgbImage,
    /// TL, TR, BR, BL of the card as read (portrait upright), frame px.
    pub corners: [[f32; 2]; 4],
    pub portrait_quad: [[f32; 2]; 4],
    pub ghost_quad: Option<[[f32; 2]; 4]>,
    /// A glare spot covers >= 5 % of the portrait box.
    pub glare_on_portrait: bool,
    /// Expected inter-eye distance of the portrait in frame px (approximate).
    pub portrait_eye_dist: f32,
    // ---- beyond the contract ----
    /// Share 0..1 of the portrait box that glare whitens (the spot's alpha >= 0.5).
    pub portrait_glare: f32,
    /// The portrait's eye centres in frame px (approximate).
    pub portrait_eyes: [[f32; 2]; 2],
    /// Where the background face's print landed (frame px), when it could be placed.
    pub background_face_quad: Option<[[f32; 2]; 4]>,
    /// Card px -> frame px, row-major 3x3.
    pub homography: [f64; 9],
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShotKind {
    Typical,
    Far,
    Near,
    Glare,
    Hard,
}

impl ShotKind {
    pub const ALL: [ShotKind; 5] = [ShotKind::Typical, ShotKind::Far, ShotKind::Near, ShotKind::Glare, ShotKind::Hard];
    pub fn name(self) -> &'static str {
        match self {
            ShotKind::Typical => "typical",
            ShotKind::Far => "far",
            ShotKind::Near => "near",
            ShotKind::Glare => "glare",
            ShotKind::Hard => "hard",
        }
    }
}

/// Inter-eye distance as a share of the portrait crop's width. Measured on LFW crops by
/// `portrait_crop(_, PORTRAIT_CROP_SCALE)` (tests/cards.rs checks it with the detector).
pub const EYE_SHARE: f32 = 0.33;
/// Height of the eyes in the crop, as a share of its height (LFW photos: eyes near y 112/250).
pub const EYE_HEIGHT: f32 = 0.42;
/// `portrait_crop`'s scale for LFW's 250x250 photos: the central ~124x165 px.
pub const PORTRAIT_CROP_SCALE: f32 = 0.66;

/// The central 3:4 region of a face photo, `scale` of the largest 3:4 region that fits (LFW:
/// `PORTRAIT_CROP_SCALE`). Photos whose face is not central want `portrait_crop_around`.
pub fn portrait_crop(photo: &RgbImage, scale: f32) -> RgbImage {
    let (w, h) = (photo.width() as f32, photo.height() as f32);
    let full_h = h.min(w * 4.0 / 3.0);
    let ch = (full_h * scale.clamp(0.05, 1.0)).max(4.0);
    crop(photo, [w / 2.0, h / 2.0], [ch * 0.75, ch])
}

/// A 3:4 crop around a detected face box (x1, y1, x2, y2) scaled so the eyes are `EYE_SHARE` of
/// its width apart (detector boxes: eye distance about 0.45 of the box width), eyes at
/// `EYE_HEIGHT`. Parts outside the photo repeat its edge.
pub fn portrait_crop_around(photo: &RgbImage, face_box: [f32; 4]) -> RgbImage {
    let bw = (face_box[2] - face_box[0]).abs().max(4.0);
    let cw = bw * 0.45 / EYE_SHARE;
    let ch = cw * 4.0 / 3.0;
    // Eyes sit about 0.38 of the way down a detector box.
    let eye_y = face_box[1].min(face_box[3]) + 0.38 * (face_box[3] - face_box[1]).abs();
    let centre = [(face_box[0] + face_box[2]) / 2.0, eye_y + (0.5 - EYE_HEIGHT) * ch];
    crop(photo, centre, [cw, ch])
}

/// A face photo to print, for the examples: its name and whether it came from LFW.
pub struct SamplePortrait {
    pub name: String,
    pub lfw: bool,
    pub image: RgbImage,
}

/// The committed golden photos cropped around their reference face box, then (when the dataset
/// is there) the first photo of every `step`-th LFW person, at most `limit`, cropped centrally.
pub fn sample_portraits(step: usize, limit: usize) -> Vec<SamplePortrait> {
    let root = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let mut out = Vec::new();
    for name in ["obama_640x480", "biden", "obama3", "obama2"] {
        if let Some(image) = golden_portrait(&root.join("tests/fixtures/golden"), name) {
            out.push(SamplePortrait { name: name.to_string(), lfw: false, image });
        }
    }
    let lfw = std::env::var_os("LIKENESS_DATASETS").map(std::path::PathBuf::from).unwrap_or_else(|| root.join("../shared/datasets")).join("lfw");
    let mut people: Vec<std::path::PathBuf> = std::fs::read_dir(&lfw).map(|d| d.flatten().map(|e| e.path()).collect()).unwrap_or_default();
    people.sort();
    for person in people.iter().step_by(step.max(1)).take(limit) {
        let first = std::fs::read_dir(person)
            .ok()
            .and_then(|d| d.flatten().map(|e| e.path()).filter(|p| p.extension().is_some_and(|e| e == "jpg")).min());
        if let Some((first, img)) = first.and_then(|f| load_photo(&f).map(|img| (f, img))) {
            let name = first.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
            out.push(SamplePortrait { name, lfw: true, image: portrait_crop(&img, PORTRAIT_CROP_SCALE) });
        }
    }
    out
}

fn load_photo(path: &std::path::Path) -> Option<RgbImage> {
    let bytes = std::fs::read(path).ok()?;
    likeness::decode::decode(&bytes, &likeness::decode::Limits::default()).ok()
}

/// A committed golden photo cropped around its reference face box (`NAME.png` + `NAME.json`).
pub fn golden_portrait(dir: &std::path::Path, name: &str) -> Option<RgbImage> {
    let img = load_photo(&dir.join(format!("{name}.png")))?;
    let json: serde_json::Value = serde_json::from_slice(&std::fs::read(dir.join(format!("{name}.json"))).ok()?).ok()?;
    let f = json.get("faces")?.get(0)?;
    let b = ["x1", "y1", "x2", "y2"].map(|k| f.get(k).and_then(|v| v.as_f64()).unwrap_or(0.0) as f32);
    Some(portrait_crop_around(&img, b))
}

/// The flat card.
pub fn render_card(spec: &CardSpec) -> Card {
    let format = spec.format;
    let w = spec.width_px.clamp(200, 4000) as usize;
    let h = ((w as f32 / format.aspect()).round() as usize).max(1);
    let mut rng = Rng::new(spec.seed);
    let lay = Layout::new(format, &mut rng);
    let palette = Palette::new(&mut rng);
    let mut cv = Canvas::new(w, h, palette.paper[0]);
    paint_paper(&mut cv, &palette, &mut rng);
    paint_guilloche(&mut cv, &palette, &mut rng);
    paint_header(&mut cv, format, &lay, &palette, &mut rng);
    let identity = Identity::new(&mut rng);
    paint_fields(&mut cv, format, &lay, &palette, &identity, &mut rng);
    paint_mrz(&mut cv, format, &lay, &identity);
    let portrait = resized_for_print(&spec.portrait, &lay, w as f32, h as f32);
    let placed = paint_portrait(&mut cv, &portrait, lay.portrait.scaled(w as f32, h as f32), spec.print, &mut rng);
    let ghost_box = spec.ghost.then(|| paint_ghost(&mut cv, &portrait, lay.ghost.scaled(w as f32, h as f32), &mut rng));
    if rng.chance(0.5) {
        paint_seal(&mut cv, &placed.bbox, &palette, &mut rng);
    }
    let corner_radius = format.corner_radius() * w as f32;
    cut_corners(&mut cv, corner_radius);
    Card {
        image: cv.into_image(),
        portrait_box: placed.bbox,
        ghost_box,
        format,
        print: spec.print,
        corner_radius,
        eye_dist: placed.eye_dist,
        eyes: placed.eyes,
        seed: spec.seed,
    }
}

/// The card photographed as `shot` says, with the truth.
pub fn photograph(card: &Card, shot: &Shot) -> Photo {
    photograph_scene(card, shot, &mut |_| {}, &mut |_| {})
}

/// An RGB float frame (`w * h * 3`, 0..255) that a scene draws into.
pub struct FrameBuf<'a> {
    pub px: &'a mut [f32],
    pub w: usize,
    pub h: usize,
}

/// `photograph` with two layers of the caller's: `under` is drawn on the desk before the card
/// (objects the card lies on or beside), `over` after it (fingers holding the card), both
/// before the optics and the sensor (blur, light, noise, JPEG).
pub fn photograph_scene(card: &Card, shot: &Shot, under: &mut dyn FnMut(&mut FrameBuf), over: &mut dyn FnMut(&mut FrameBuf)) -> Photo {
    let s = Clamped::from(shot);
    let (cw, ch) = (card.image.width() as f32, card.image.height() as f32);
    let h = card_to_frame(cw, ch, &s);
    let inv = h.inverse().unwrap_or_else(|| Homography::scale(1.0));
    let mut frame = desk(s.w, s.h, s.background_seed, s.backdrop.as_deref());
    under(&mut FrameBuf { px: &mut frame, w: s.w, h: s.h });
    let corners = rect_quad([0.0, 0.0, cw, ch]).map(|p| h.apply(p));
    let face_quad = shot.background_face.as_ref().and_then(|f| place_background_face(&mut frame, f, &corners, &s));
    // Glare opacity per frame pixel (empty without glare: `finish` reads missing as 0).
    let mut glare_map = if s.glare.is_empty() { Vec::new() } else { vec![0f32; s.w * s.h] };
    warp_card(&mut frame, &mut glare_map, card, &h, &inv, &s);
    over(&mut FrameBuf { px: &mut frame, w: s.w, h: s.h });
    let image = finish(&mut frame, &glare_map, &s);
    let portrait_glare = glare_share(&s.glare, &card.portrait_box, cw, ch);
    let eyes = card.eyes.map(|p| h.apply(p));
    Photo {
        image,
        corners,
        portrait_quad: rect_quad(card.portrait_box).map(|p| h.apply(p)),
        ghost_quad: card.ghost_box.map(|b| rect_quad(b).map(|p| h.apply(p))),
        glare_on_portrait: portrait_glare >= 0.05,
        portrait_eye_dist: dist(eyes[0], eyes[1]),
        portrait_glare,
        portrait_eyes: eyes,
        background_face_quad: face_quad,
        homography: h.0,
    }
}

/// A frame with no card in it: the desk (or backdrop) and the caller's layer, through the same
/// optics and sensor as `photograph` (the negatives of the training scenes).
pub fn photograph_empty(shot: &Shot, layer: &mut dyn FnMut(&mut FrameBuf)) -> RgbImage {
    let s = Clamped::from(shot);
    let mut frame = desk(s.w, s.h, s.background_seed, s.backdrop.as_deref());
    layer(&mut FrameBuf { px: &mut frame, w: s.w, h: s.h });
    if let Some(f) = shot.background_face.as_ref() {
        let nowhere = [[-1e6f32, -1e6]; 4];
        place_background_face(&mut frame, f, &nowhere, &s);
    }
    finish(&mut frame, &[], &s)
}

/// Where a card of `card_w` x `card_h` px lands in the frame under `shot` (TL, TR, BR, BL as
/// read): the geometry of `photograph` without rendering anything.
pub fn card_corners(card_w: f32, card_h: f32, shot: &Shot) -> [[f32; 2]; 4] {
    let s = Clamped::from(shot);
    let (cw, ch) = (finite_or(card_w, 1.0).max(1.0), finite_or(card_h, 1.0).max(1.0));
    let h = card_to_frame(cw, ch, &s);
    rect_quad([0.0, 0.0, cw, ch]).map(|p| h.apply(p))
}

/// Seeded random shots over the ranges the measurements use (docs/document-generator.md).
pub fn random_shot(seed: u64, kind: ShotKind) -> Shot {
    let mut rng = Rng::new(mix(seed, 0x5107));
    let (fw, fh) = FRAMES[rng.below(FRAMES.len())];
    let portrait_frame = fh > fw;
    let hard = kind == ShotKind::Hard;
    // Rotation: a landscape card in a portrait frame is often turned to fill it.
    let turned = portrait_frame && rng.chance(if kind == ShotKind::Near { 0.8 } else { 0.5 });
    let small = match kind {
        ShotKind::Near => rng.range(-5.0, 5.0),
        _ => rng.range(-15.0, 15.0),
    };
    let mut rotation = small + if turned { 90.0 * rng.sign() } else { 0.0 };
    if hard && !turned && rng.chance(0.2) {
        rotation += 180.0;
    }
    let max_tilt = match kind {
        ShotKind::Far => 15.0,
        ShotKind::Near => 10.0,
        _ => 25.0,
    };
    let tilt_mag = if hard { rng.range(15.0, 30.0) } else { rng.range(0.0, max_tilt) };
    let tilt_dir = rng.range(0.0, std::f32::consts::TAU);
    let tilt = [tilt_mag * tilt_dir.cos(), tilt_mag * tilt_dir.sin()];
    let mut shot = Shot { frame_w: fw, frame_h: fh, rotation_deg: rotation, tilt, background_seed: mix(seed, 0xdea5), ..Shot::default() };
    // Size: the long side along the frame dimension it lies on, then fitted.
    let along = (if turned { fh } else { fw }) as f32;
    let fit = fit_width(&shot);
    shot.card_width = match kind {
        ShotKind::Far => rng.range(6.0, 20.0) / (0.29 * EYE_SHARE),
        ShotKind::Near => fit * rng.range(0.88, 0.97),
        ShotKind::Glare => along * rng.range(0.45, 0.85),
        _ => along * rng.range(0.25, 0.85),
    }
    .min(fit);
    shot.centre = random_centre(&shot, &mut rng);
    shot.glare = match kind {
        ShotKind::Glare => portrait_glare(&mut rng),
        ShotKind::Hard => {
            let n = 1 + rng.below(2);
            random_glare(&mut rng, n)
        }
        ShotKind::Far => {
            let n = rng.below(2);
            random_glare(&mut rng, n)
        }
        _ => {
            let n = [0, 0, 0, 0, 0, 1, 1, 1, 2, 2][rng.below(10)];
            random_glare(&mut rng, n)
        }
    };
    if kind == ShotKind::Glare && rng.chance(0.4) {
        shot.glare.extend(random_glare(&mut rng, 1));
    }
    let (blur, noise) = match kind {
        ShotKind::Hard => (rng.range(1.2, 2.5), rng.range(4.0, 8.0)),
        ShotKind::Far => (rng.range(0.0, 1.0), rng.range(0.0, 6.0)),
        ShotKind::Near => (rng.range(0.0, 1.5), rng.range(0.0, 4.0)),
        _ => (rng.range(0.0, 2.0), rng.range(0.0, 6.0)),
    };
    shot.blur_sigma = blur;
    shot.noise_sigma = noise;
    shot.jpeg_quality = match kind {
        ShotKind::Hard => Some(rng.range(50.0, 70.0) as u8),
        ShotKind::Near => Some(rng.range(75.0, 95.0) as u8),
        _ => rng.chance(0.9).then(|| rng.range(60.0, 95.0) as u8),
    };
    shot.light = if hard {
        if rng.chance(0.5) { rng.range(0.45, 0.7) } else { rng.range(1.3, 1.6) }
    } else {
        rng.range(0.7, 1.25)
    };
    shot
}

/// `random_shot`, plus in 15 % of seeds one of `faces` lying on the desk beside the card.
pub fn random_shot_among(seed: u64, kind: ShotKind, faces: &[RgbImage]) -> Shot {
    let mut shot = random_shot(seed, kind);
    let mut rng = Rng::new(mix(seed, 0xface));
    if !faces.is_empty() && rng.chance(0.15) {
        shot.background_face = faces.get(rng.below(faces.len())).cloned();
    }
    shot
}

/// Length of the approach video, and when the card is held still (ms).
pub const APPROACH_MS: f64 = 8000.0;
pub const APPROACH_HOLD_FROM_MS: f64 = 5600.0;

/// Frames in the approach video at `fps`.
pub fn approach_frame_count(fps: u32) -> usize {
    (APPROACH_MS * fps.clamp(1, 120) as f64 / 1000.0).round() as usize
}

/// How frame `i` of the approach video shows the card: brought from far (card 25 % of the
/// frame width) to near (75 %) with a shaking hand over 5.6 s, then held still for 2.4 s.
pub fn approach_shot(card: &Card, w: u32, h: u32, fps: u32, i: usize) -> Shot {
    let t = i as f64 * 1000.0 / fps.clamp(1, 120) as f64;
    let p = smoothstep((t / APPROACH_HOLD_FROM_MS) as f32);
    let holding = t >= APPROACH_HOLD_FROM_MS;
    let (wf, hf) = (w.max(16) as f32, h.max(16) as f32);
    let card_width = wf * (0.25 + 0.5 * p);
    // A hand: a slow sway while moving, a tremor of 0.1 % of the card width while holding.
    let ts = t as f32 / 1000.0;
    let sway = if holding { 0.001 } else { 0.02 * (1.0 - p) + 0.004 };
    let shake = [(ts * 2.3).sin() + 0.5 * (ts * 5.1).sin(), (ts * 1.7).cos() + 0.5 * (ts * 4.3).sin()];
    let centre = [
        wf * (0.42 + 0.08 * p) + shake[0] * sway * card_width,
        hf * (0.56 - 0.06 * p) + shake[1] * sway * card_width,
    ];
    Shot {
        frame_w: w,
        frame_h: h,
        centre,
        card_width,
        rotation_deg: 8.0 - 6.5 * p + if holding { 0.0 } else { shake[1] * 1.5 * (1.0 - p) },
        tilt: [12.0 - 10.0 * p, -8.0 + 7.0 * p],
        glare: Vec::new(),
        blur_sigma: if holding { 0.4 } else { 0.9 },
        noise_sigma: 2.0,
        jpeg_quality: None,
        background_seed: mix(card.seed, 0xa99),
        background_face: None,
        light: 1.0,
        backdrop: None,
        motion: [0.0; 2],
        tint: [1.0; 3],
    }
}

/// Frame `i` of the approach video.
pub fn approach_frame(card: &Card, w: u32, h: u32, fps: u32, i: usize) -> RgbImage {
    photograph(card, &approach_shot(card, w, h, fps, i)).image
}

/// The whole approach video as (timestamp ms, frame): ~8 s, mind the memory (w*h*3 a frame);
/// `approach_frame` makes one at a time.
pub fn approach_video_frames(card: &Card, w: u32, h: u32, fps: u32) -> Vec<(f64, RgbImage)> {
    let fps = fps.clamp(1, 120);
    (0..approach_frame_count(fps)).map(|i| (i as f64 * 1000.0 / fps as f64, approach_frame(card, w, h, fps, i))).collect()
}

// ---------------------------------------------------------------------------------------------
// Randomness: splitmix64, so a seed gives the same document on every machine.
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed ^ 0x6A09_E667_F3BC_C908)
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in [0, 1).
    pub fn unit(&mut self) -> f32 {
        (self.next_u64() >> 40) as f32 / (1u64 << 24) as f32
    }
    pub fn range(&mut self, a: f32, b: f32) -> f32 {
        a + (b - a) * self.unit()
    }
    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 { 0 } else { (self.next_u64() % n as u64) as usize }
    }
    pub fn chance(&mut self, p: f32) -> bool {
        self.unit() < p
    }
    pub fn sign(&mut self) -> f32 {
        if self.chance(0.5) { 1.0 } else { -1.0 }
    }
    /// Roughly normal (sum of four uniforms from one draw): cheap enough for per-pixel noise.
    pub fn gauss(&mut self) -> f32 {
        let r = self.next_u64();
        let s: u32 = (0..4).map(|k| ((r >> (16 * k)) & 0xffff) as u32).sum();
        (s as f32 / 65536.0 - 2.0) * 1.732_050_8
    }
}

/// A seed derived from another for one purpose, so adding a draw somewhere does not shift all.
pub fn mix(seed: u64, salt: u64) -> u64 {
    Rng::new(seed ^ salt.wrapping_mul(0xD1B5_4A32_D192_ED03)).next_u64()
}

/// x - floor(x) by integer casts: without SSE4.1, `floor`/`round`/`fract` are libm calls and
/// dominated the per-pixel loops.
fn fract(x: f32) -> f32 {
    let t = x as i32 as f32;
    let f = x - t;
    if f < 0.0 { f + 1.0 } else { f }
}

/// Rounded to the nearest byte, saturating (NaN gives 0).
fn to_u8(v: f32) -> u8 {
    (v + 0.5).clamp(0.0, 255.0) as u8
}

fn smoothstep(t: f32) -> f32 {
    let t = t.clamp(0.0, 1.0);
    t * t * (3.0 - 2.0 * t)
}

fn dist(a: [f32; 2], b: [f32; 2]) -> f32 {
    ((a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2)).sqrt()
}

fn rect_quad(b: [f32; 4]) -> [[f32; 2]; 4] {
    [[b[0], b[1]], [b[2], b[1]], [b[2], b[3]], [b[0], b[3]]]
}

/// Sine of `t` turns from a 4096-entry table: the guilloche and the desk need millions.
struct SinTable(Vec<f32>);

impl SinTable {
    fn new() -> SinTable {
        SinTable((0..4096).map(|i| (i as f32 / 4096.0 * std::f32::consts::TAU).sin()).collect())
    }
    fn turns(&self, t: f32) -> f32 {
        // The integer cast wraps negative turns too; no libm call (fmod is slow here).
        let i = ((t * 4096.0) as i64 as usize) & 4095;
        self.0.get(i).copied().unwrap_or(0.0)
    }
}

/// atan2 to ~0.005 rad, ~5x faster than std's (polynomial of the octant).
fn fast_atan2(y: f32, x: f32) -> f32 {
    let (ax, ay) = (x.abs(), y.abs());
    let a = ax.min(ay) / (ax.max(ay) + 1e-12);
    let s = a * a;
    let mut r = ((-0.046_496_47 * s + 0.159_314_22) * s - 0.327_622_77) * s * a + a;
    if ay > ax {
        r = std::f32::consts::FRAC_PI_2 - r;
    }
    if x < 0.0 {
        r = std::f32::consts::PI - r;
    }
    if y < 0.0 { -r } else { r }
}

// ---------------------------------------------------------------------------------------------
// A float RGB canvas with anti-aliased rectangles: everything on the card is drawn with it.
// ---------------------------------------------------------------------------------------------

struct Canvas {
    w: usize,
    h: usize,
    px: Vec<f32>,
}

impl Canvas {
    fn new(w: usize, h: usize, rgb: [f32; 3]) -> Canvas {
        let mut px = Vec::with_capacity(w * h * 3);
        for _ in 0..w * h {
            px.extend_from_slice(&rgb);
        }
        Canvas { w, h, px }
    }
    fn blend(&mut self, x: usize, y: usize, rgb: [f32; 3], a: f32) {
        if x >= self.w || y >= self.h || a <= 0.0 {
            return;
        }
        let i = (y * self.w + x) * 3;
        if let Some(p) = self.px.get_mut(i..i + 3) {
            for c in 0..3 {
                p[c] += (rgb[c] - p[c]) * a.min(1.0);
            }
        }
    }
    fn get(&self, x: usize, y: usize) -> [f32; 3] {
        let i = (y * self.w + x) * 3;
        match self.px.get(i..i + 3) {
            Some(p) => [p[0], p[1], p[2]],
            None => [0.0; 3],
        }
    }
    /// A rectangle with exact pixel coverage on its edges, so text a pixel tall stays legible.
    fn fill_rect(&mut self, x0: f32, y0: f32, x1: f32, y1: f32, rgb: [f32; 3], a: f32) {
        let (xa, xb) = (x0.max(0.0), x1.min(self.w as f32));
        let (ya, yb) = (y0.max(0.0), y1.min(self.h as f32));
        if xa >= xb || ya >= yb {
            return;
        }
        for y in ya.floor() as usize..yb.ceil() as usize {
            let cy = (yb.min(y as f32 + 1.0) - ya.max(y as f32)).max(0.0);
            for x in xa.floor() as usize..xb.ceil() as usize {
                let cx = (xb.min(x as f32 + 1.0) - xa.max(x as f32)).max(0.0);
                self.blend(x, y, rgb, a * cx * cy);
            }
        }
    }
    /// A soft round dot (signature strokes, seals).
    fn dot(&mut self, cx: f32, cy: f32, r: f32, rgb: [f32; 3], a: f32) {
        let (x0, x1) = ((cx - r - 1.0).max(0.0) as usize, (cx + r + 1.0).max(0.0) as usize);
        let (y0, y1) = ((cy - r - 1.0).max(0.0) as usize, (cy + r + 1.0).max(0.0) as usize);
        for y in y0..=y1 {
            for x in x0..=x1 {
                let d = dist([x as f32 + 0.5, y as f32 + 0.5], [cx, cy]);
                self.blend(x, y, rgb, a * (r + 0.5 - d).clamp(0.0, 1.0));
            }
        }
    }
    fn into_image(self) -> RgbImage {
        let (w, h) = (self.w as u32, self.h as u32);
        let data = self.px.iter().map(|&v| to_u8(v)).collect();
        RgbImage::from_raw(w, h, data).unwrap_or_else(|| blank(w.max(1), h.max(1)))
    }
}

/// A grey image, the end of every fallback (a 1x1 image of 3 bytes cannot fail).
fn blank(w: u32, h: u32) -> RgbImage {
    RgbImage::from_raw(w, h, vec![128; (w as usize) * (h as usize) * 3])
        .or_else(|| RgbImage::from_raw(1, 1, vec![128; 3]))
        .expect("a 1x1 image is 3 bytes")
}

// ---------------------------------------------------------------------------------------------
// Image helpers: crop, bilinear sampling, halving, resizing.
// ---------------------------------------------------------------------------------------------

/// A `size` region centred on `centre` (edge pixels repeat outside the photo).
pub fn crop(photo: &RgbImage, centre: [f32; 2], size: [f32; 2]) -> RgbImage {
    let (w, h) = (size[0].round().max(1.0) as u32, size[1].round().max(1.0) as u32);
    let (x0, y0) = ((centre[0] - w as f32 / 2.0).round() as i64, (centre[1] - h as f32 / 2.0).round() as i64);
    let (pw, ph) = (photo.width() as i64, photo.height() as i64);
    let mut data = Vec::with_capacity((w * h * 3) as usize);
    for y in 0..h as i64 {
        for x in 0..w as i64 {
            let p = photo.pixel((x0 + x).clamp(0, pw - 1), (y0 + y).clamp(0, ph - 1)).unwrap_or([128; 3]);
            data.extend_from_slice(&p);
        }
    }
    RgbImage::from_raw(w, h, data).unwrap_or_else(|| blank(1, 1))
}

/// Bilinear RGB at pixel coordinates (centres on integers), edges clamped.
fn bilinear(data: &[u8], w: usize, h: usize, x: f32, y: f32) -> [f32; 3] {
    if w == 0 || h == 0 {
        return [128.0; 3];
    }
    let x = x.clamp(0.0, (w - 1) as f32);
    let y = y.clamp(0.0, (h - 1) as f32);
    let (x0, y0) = (x as usize, y as usize);
    let (x1, y1) = ((x0 + 1).min(w - 1), (y0 + 1).min(h - 1));
    let (fx, fy) = (x - x0 as f32, y - y0 as f32);
    let at = |xx: usize, yy: usize, c: usize| data.get((yy * w + xx) * 3 + c).copied().unwrap_or(128) as f32;
    std::array::from_fn(|c| {
        let top = at(x0, y0, c) + (at(x1, y0, c) - at(x0, y0, c)) * fx;
        let bottom = at(x0, y1, c) + (at(x1, y1, c) - at(x0, y1, c)) * fx;
        top + (bottom - top) * fy
    })
}

/// `bilinear` without the per-sample bounds checks when all four neighbours are inside.
fn bilinear_fast(data: &[u8], w: usize, h: usize, x: f32, y: f32) -> [f32; 3] {
    if x < 0.0 || y < 0.0 {
        return bilinear(data, w, h, x, y);
    }
    let (x0, y0) = (x as usize, y as usize);
    let i = (y0 * w + x0) * 3;
    let (Some(top), Some(bottom)) = (data.get(i..i + 6), data.get(i + w * 3..i + w * 3 + 6)) else { return bilinear(data, w, h, x, y) };
    if x0 + 1 >= w {
        return bilinear(data, w, h, x, y);
    }
    let (fx, fy) = (x - x0 as f32, y - y0 as f32);
    std::array::from_fn(|c| {
        let t = top[c] as f32 + (top[c + 3] as f32 - top[c] as f32) * fx;
        let b = bottom[c] as f32 + (bottom[c + 3] as f32 - bottom[c] as f32) * fx;
        t + (b - t) * fy
    })
}

/// Half the size by 2x2 averages (a mip level: bilinear alone aliases guilloche and text).
fn halve(data: &[u8], w: usize, h: usize) -> (Vec<u8>, usize, usize) {
    let (nw, nh) = ((w / 2).max(1), (h / 2).max(1));
    let mut out = Vec::with_capacity(nw * nh * 3);
    for y in 0..nh {
        for x in 0..nw {
            for c in 0..3 {
                let mut s = 0u32;
                for (dx, dy) in [(0, 0), (1, 0), (0, 1), (1, 1)] {
                    let (xx, yy) = ((2 * x + dx).min(w - 1), (2 * y + dy).min(h - 1));
                    s += data.get((yy * w + xx) * 3 + c).copied().unwrap_or(0) as u32;
                }
                out.push(((s + 2) / 4) as u8);
            }
        }
    }
    (out, nw, nh)
}

/// `img` resized to `w`x`h`: halved while more than twice too big, then bilinear.
fn resize(img: &RgbImage, w: usize, h: usize) -> RgbImage {
    let (mut data, mut sw, mut sh) = (img.as_raw().to_vec(), img.width() as usize, img.height() as usize);
    while sw >= 2 * w.max(1) && sh >= 2 * h.max(1) {
        (data, sw, sh) = halve(&data, sw, sh);
    }
    let (w, h) = (w.max(1), h.max(1));
    let (kx, ky) = (sw as f32 / w as f32, sh as f32 / h as f32);
    let mut out = Vec::with_capacity(w * h * 3);
    for y in 0..h {
        for x in 0..w {
            let p = bilinear(&data, sw, sh, (x as f32 + 0.5) * kx - 0.5, (y as f32 + 0.5) * ky - 0.5);
            out.extend(p.map(to_u8));
        }
    }
    RgbImage::from_raw(w as u32, h as u32, out).unwrap_or_else(|| blank(1, 1))
}

/// `img` scaled to cover `w`x`h` and cut to it, centred.
pub fn cover(img: &RgbImage, w: usize, h: usize) -> RgbImage {
    let (iw, ih) = (img.width().max(1) as f32, img.height().max(1) as f32);
    let k = (w as f32 / iw).max(h as f32 / ih);
    let (cw, chh) = (w as f32 / k, h as f32 / k);
    let cut = crop(img, [iw / 2.0, ih / 2.0], [cw, chh]);
    resize(&cut, w, h)
}

fn luma(p: [f32; 3]) -> f32 {
    0.299 * p[0] + 0.587 * p[1] + 0.114 * p[2]
}

// ---------------------------------------------------------------------------------------------
// The card: layout, palette, identity, and the painters in the order they are applied.
// ---------------------------------------------------------------------------------------------

/// A box in card units (0..1 of width and height).
#[derive(Debug, Clone, Copy)]
struct UBox([f32; 4]);

impl UBox {
    fn scaled(self, w: f32, h: f32) -> [f32; 4] {
        let b = self.0;
        [b[0] * w, b[1] * h, b[2] * w, b[3] * h]
    }
    fn jitter(self, rng: &mut Rng, by: f32) -> UBox {
        let (dx, dy) = (rng.range(-by, by), rng.range(-by, by));
        let b = self.0;
        UBox([b[0] + dx, b[1] + dy, b[2] + dx, b[3] + dy])
    }
}

/// ICAO 9303-like zones (the contract's layout), shifted a little per card: real cards vary.
struct Layout {
    header: f32,
    portrait: UBox,
    ghost: UBox,
    fields: UBox,
    mrz: UBox,
    mrz_lines: usize,
    mrz_chars: usize,
}

impl Layout {
    fn new(format: Format, rng: &mut Rng) -> Layout {
        let j = 0.012;
        match format {
            Format::Id1 => Layout {
                header: 0.15,
                portrait: UBox([0.04, 0.20, 0.33, 0.83]).jitter(rng, j),
                ghost: UBox([0.72, 0.22, 0.86, 0.48]).jitter(rng, j),
                fields: UBox([0.37, 0.20, 0.70, 0.78]),
                mrz: UBox([0.36, 0.80, 0.97, 0.97]),
                mrz_lines: 3,
                mrz_chars: 30,
            },
            Format::Id3 => Layout {
                header: 0.14,
                portrait: UBox([0.04, 0.22, 0.30, 0.78]).jitter(rng, j),
                ghost: UBox([0.76, 0.25, 0.90, 0.50]).jitter(rng, j),
                fields: UBox([0.33, 0.20, 0.73, 0.77]),
                mrz: UBox([0.03, 0.80, 0.97, 0.97]),
                mrz_lines: 2,
                mrz_chars: 44,
            },
        }
    }
}

struct Palette {
    /// Left and right paper tints (rainbow printing fades from one to the other).
    paper: [[f32; 3]; 2],
    /// Guilloche line colours.
    lines: [[f32; 3]; 3],
    band: [f32; 3],
    ink: [f32; 3],
    label: [f32; 3],
}

impl Palette {
    fn new(rng: &mut Rng) -> Palette {
        const PAPER: [[f32; 3]; 6] =
            [[236., 242., 232.], [238., 234., 246.], [246., 239., 226.], [229., 238., 247.], [247., 235., 237.], [240., 240., 236.]];
        const LINES: [[f32; 3]; 6] =
            [[120., 170., 150.], [160., 140., 200.], [210., 160., 110.], [110., 150., 210.], [215., 130., 150.], [150., 170., 120.]];
        const BANDS: [[f32; 3]; 5] = [[28., 52., 110.], [120., 30., 40.], [25., 90., 70.], [20., 100., 120.], [80., 50., 110.]];
        let (a, b) = (rng.below(6), rng.below(6));
        Palette {
            paper: [PAPER[a], PAPER[b]],
            lines: [LINES[a], LINES[(a + 1 + rng.below(5)) % 6], LINES[b]],
            band: BANDS[rng.below(5)],
            ink: [rng.range(15.0, 35.0), rng.range(15.0, 30.0), rng.range(20.0, 45.0)],
            label: [rng.range(70.0, 110.0), rng.range(70.0, 100.0), rng.range(90.0, 130.0)],
        }
    }
}

/// The holder's made-up details (names from syllables; the state is ICAO's "Utopia").
struct Identity {
    surname: String,
    given: String,
    birth: String,
    expiry: String,
    number: String,
    sex: char,
}

impl Identity {
    fn new(rng: &mut Rng) -> Identity {
        const SYL: [&str; 24] =
            ["AN", "BER", "CO", "DA", "EL", "FI", "GA", "HAR", "IN", "JO", "KA", "LI", "MAR", "NO", "OS", "PE", "RA", "SI", "TO", "UL", "VEN", "WIL", "YA", "ZE"];
        let word = |rng: &mut Rng, n: usize| (0..n).map(|_| SYL[rng.below(SYL.len())]).collect::<String>();
        let syllables = 2 + rng.below(2);
        let surname = word(rng, syllables);
        let given = word(rng, 2);
        let digits = |rng: &mut Rng, n: usize| (0..n).map(|_| char::from(b'0' + rng.below(10) as u8)).collect::<String>();
        let date = |rng: &mut Rng, y0: usize, years: usize| format!("{:02}{:02}{:02}", (y0 + rng.below(years)) % 100, 1 + rng.below(12), 1 + rng.below(28));
        let number = format!("{}{}", char::from(b'A' + rng.below(26) as u8), digits(rng, 8));
        let birth = date(rng, 50, 56); // born 1950–2005
        let expiry = date(rng, 26, 10); // expires 2026–2035
        let sex = if rng.chance(0.5) { 'F' } else { 'M' };
        Identity { surname, given, birth, expiry, number, sex }
    }
    /// YYMMDD as "DD MM YYYY"-like printed text.
    fn printed(date: &str) -> String {
        let d = date.as_bytes();
        let two = |i: usize| d.get(i..i + 2).map(|s| String::from_utf8_lossy(s).into_owned()).unwrap_or_default();
        let century = if two(0).as_str() >= "40" { "19" } else { "20" };
        format!("{} {} {}{}", two(4), two(2), century, two(0))
    }
}

fn paint_paper(cv: &mut Canvas, pal: &Palette, rng: &mut Rng) {
    // A diagonal fade between two tints, as iridescent/rainbow printing does.
    let slope = rng.range(0.2, 0.6);
    let (w, h) = (cv.w as f32, cv.h as f32);
    for y in 0..cv.h {
        for x in 0..cv.w {
            let t = ((x as f32 / w + slope * y as f32 / h) / (1.0 + slope)).clamp(0.0, 1.0);
            let c: [f32; 3] = std::array::from_fn(|k| pal.paper[0][k] + (pal.paper[1][k] - pal.paper[0][k]) * t);
            let i = (y * cv.w + x) * 3;
            if let Some(p) = cv.px.get_mut(i..i + 3) {
                p.copy_from_slice(&c);
            }
        }
    }
}

/// One family of guilloche lines: the level sets of a field, drawn where it crosses a multiple
/// of `spacing`.
enum Family {
    /// r + amp·sin(n·θ + phase) around a centre: a rosette.
    Rosette { centre: [f32; 2], n: f32, amp: f32, phase: f32 },
    /// y + amp·sin(x / wavelength + phase): wavy bands.
    Wave { amp: f32, wavelength: f32, phase: f32, slope: f32 },
}

struct Lines {
    family: Family,
    spacing: f32,
    half_width: f32,
    rgb: [f32; 3],
    alpha: f32,
}

fn paint_guilloche(cv: &mut Canvas, pal: &Palette, rng: &mut Rng) {
    let (w, h) = (cv.w as f32, cv.h as f32);
    let px = w / 1012.0; // line widths are set for a 300 dpi ID-1 card
    let centre = [w * rng.range(0.45, 0.75), h * rng.range(0.35, 0.65)];
    let mut lines = Vec::new();
    for k in 0..2 {
        lines.push(Lines {
            family: Family::Rosette { centre, n: (5 + rng.below(14)) as f32, amp: w * rng.range(0.015, 0.045), phase: rng.range(0.0, 1.0) },
            spacing: w * rng.range(0.011, 0.02),
            half_width: px * rng.range(0.45, 0.8),
            rgb: pal.lines[k],
            alpha: rng.range(0.35, 0.6),
        });
    }
    lines.push(Lines {
        family: Family::Wave { amp: h * rng.range(0.02, 0.06), wavelength: w * rng.range(0.03, 0.09), phase: rng.range(0.0, 1.0), slope: rng.range(-0.3, 0.3) },
        spacing: h * rng.range(0.025, 0.05),
        half_width: px * rng.range(0.4, 0.7),
        rgb: pal.lines[2],
        alpha: rng.range(0.3, 0.5),
    });
    let sin = SinTable::new();
    for y in 0..cv.h {
        for x in 0..cv.w {
            let (fx, fy) = (x as f32 + 0.5, y as f32 + 0.5);
            let (dx, dy) = (fx - centre[0], fy - centre[1]);
            let (r, theta) = ((dx * dx + dy * dy).sqrt(), fast_atan2(dy, dx) / std::f32::consts::TAU);
            for l in &lines {
                let v = match l.family {
                    Family::Rosette { n, amp, phase, .. } => r + amp * sin.turns(n * theta + phase),
                    Family::Wave { amp, wavelength, phase, slope } => fy + slope * fx + amp * sin.turns(fx / wavelength + phase),
                };
                let s = v / l.spacing;
                let f = fract(s);
                let d = f.min(1.0 - f) * l.spacing;
                let a = l.alpha * (l.half_width + 0.5 - d).clamp(0.0, 1.0);
                if a > 0.0 {
                    cv.blend(x, y, l.rgb, a);
                }
            }
        }
    }
}

fn paint_header(cv: &mut Canvas, format: Format, lay: &Layout, pal: &Palette, rng: &mut Rng) {
    let (w, h) = (cv.w as f32, cv.h as f32);
    let band_h = lay.header * h;
    // A band that fades to the right; passports often have just a thin coloured strip.
    let solid = format == Format::Id1 || rng.chance(0.4);
    let (top, a) = if solid { (0.0, 0.92) } else { (band_h * 0.6, 0.85) };
    for y in top as usize..band_h as usize {
        for x in 0..cv.w {
            let fade = 1.0 - 0.35 * x as f32 / w;
            cv.blend(x, y, pal.band, a * fade);
        }
    }
    let (title, state) = match format {
        Format::Id1 => ("IDENTITY CARD", "REPUBLIC OF UTOPIA"),
        Format::Id3 => ("PASSPORT", "REPUBLIC OF UTOPIA"),
    };
    let text_rgb = if solid { [245.0, 245.0, 240.0] } else { pal.band };
    let cell = if solid { band_h * 0.42 / 7.0 } else { band_h * 0.45 / 7.0 };
    let ty = if solid { band_h * 0.12 } else { band_h * 0.05 };
    draw_text(cv, state, w * 0.04, ty, cell * 0.8, text_rgb, 0.95, false);
    draw_text(cv, title, w * 0.04, ty + 9.0 * cell * 0.8, cell, text_rgb, 1.0, true);
    draw_text(cv, "UTO", w * 0.86, ty + 4.0 * cell, cell * 1.2, text_rgb, 1.0, true);
}

fn paint_fields(cv: &mut Canvas, format: Format, lay: &Layout, pal: &Palette, id: &Identity, rng: &mut Rng) {
    let (w, h) = (cv.w as f32, cv.h as f32);
    let [x0, y0, x1, y1] = lay.fields.scaled(w, h);
    let rows: Vec<(&str, String)> = vec![
        ("SURNAME", id.surname.clone()),
        ("GIVEN NAMES", id.given.clone()),
        ("DATE OF BIRTH", Identity::printed(&id.birth)),
        ("NATIONALITY", "UTOPIAN".to_string()),
        ("SEX", id.sex.to_string()),
        ("DOCUMENT NO", id.number.clone()),
        ("DATE OF EXPIRY", Identity::printed(&id.expiry)),
    ];
    let n = if format == Format::Id1 { 6 } else { 7 };
    let pitch = (y1 - y0) / n as f32;
    let label_cell = w * 0.0016;
    let value_cell = (pitch * 0.5 / 7.0).min((x1 - x0) / (16.0 * 6.0)).min(w * 0.0028);
    for (i, (label, value)) in rows.iter().take(n).enumerate() {
        let y = y0 + i as f32 * pitch;
        draw_text(cv, label, x0, y, label_cell, pal.label, 0.9, false);
        draw_text(cv, value, x0, y + 9.0 * label_cell, value_cell, pal.ink, 1.0, true);
    }
    // The holder's signature: a scribble near the bottom of the right column.
    let (sx, sy) = (w * rng.range(0.72, 0.78), h * rng.range(0.62, 0.7));
    let (len, amp) = (w * 0.16, h * 0.03);
    let (f1, f2) = (rng.range(2.0, 5.0), rng.range(6.0, 11.0));
    let steps = (len * 1.5) as usize;
    for k in 0..steps {
        let t = k as f32 / steps.max(1) as f32;
        let y = sy + amp * ((t * f1 * 6.28).sin() * 0.7 + (t * f2 * 6.28).sin() * 0.4) * (1.0 - t * 0.5);
        cv.dot(sx + t * len, y, w * 0.0012, pal.ink, 0.8);
    }
}

fn paint_mrz(cv: &mut Canvas, format: Format, lay: &Layout, id: &Identity) {
    let (w, h) = (cv.w as f32, cv.h as f32);
    let [x0, y0, x1, y1] = lay.mrz.scaled(w, h);
    // The MRZ's clear zone: the guilloche is faint there so OCR can read it.
    for y in y0 as usize..(y1 as usize).min(cv.h) {
        for x in x0 as usize..(x1 as usize).min(cv.w) {
            cv.blend(x, y, [248.0, 248.0, 244.0], 0.65);
        }
    }
    let lines = mrz_lines(format, id);
    let pitch_x = (x1 - x0) / lay.mrz_chars as f32;
    let cell = pitch_x / 6.0;
    let pitch_y = (y1 - y0) / lay.mrz_lines as f32;
    let top = y0 + (pitch_y - 7.0 * cell) / 2.0;
    for (i, line) in lines.iter().enumerate() {
        draw_text(cv, line, x0 + cell * 0.5, top + i as f32 * pitch_y, cell, [20.0, 20.0, 24.0], 1.0, false);
    }
}

/// The machine-readable zone (TD1: 3x30 for ID-1, TD3: 2x44 for ID-3) with real check digits.
fn mrz_lines(format: Format, id: &Identity) -> Vec<String> {
    let pad = |s: String, n: usize| {
        let mut s: String = s.chars().take(n).collect();
        while s.chars().count() < n {
            s.push('<');
        }
        s
    };
    let names = format!("{}<<{}", id.surname, id.given);
    let (num, birth, expiry) = (&id.number, &id.birth, &id.expiry);
    let (cn, cb, ce) = (check_digit(num), check_digit(birth), check_digit(expiry));
    match format {
        Format::Id1 => {
            let l1 = pad(format!("I<UTO{num}{cn}"), 30);
            let body = format!("{birth}{cb}{}{expiry}{ce}UTO", id.sex);
            let l2 = pad(body.clone(), 29) + &check_digit(&(l1.get(5..).unwrap_or("").to_string() + &body)).to_string();
            vec![l1, l2, pad(names, 30)]
        }
        Format::Id3 => {
            let l1 = pad(format!("P<UTO{names}"), 44);
            let body = format!("{num}{cn}UTO{birth}{cb}{}{expiry}{ce}", id.sex);
            let l2 = pad(body.clone(), 42) + "<" + &check_digit(&body).to_string();
            vec![l1, l2]
        }
    }
}

/// ICAO 9303 check digit: weights 7, 3, 1; digits as themselves, A–Z as 10–35, '<' as 0.
fn check_digit(s: &str) -> u32 {
    let value = |c: char| match c {
        '0'..='9' => c as u32 - '0' as u32,
        'A'..='Z' => c as u32 - 'A' as u32 + 10,
        _ => 0,
    };
    s.chars().zip([7, 3, 1].iter().cycle()).map(|(c, w)| value(c) * w).sum::<u32>() % 10
}

/// Text in the built-in 5x7 font, `cell` px per font pixel; `bold` widens the strokes a little.
fn draw_text(cv: &mut Canvas, text: &str, x: f32, y: f32, cell: f32, rgb: [f32; 3], a: f32, bold: bool) -> f32 {
    let grow = if bold { cell * 0.25 } else { 0.0 };
    let mut cx = x;
    for ch in text.chars() {
        if let Some(rows) = glyph(ch) {
            for (r, bits) in rows.iter().enumerate() {
                for c in 0..5 {
                    if bits >> (4 - c) & 1 == 1 {
                        let (gx, gy) = (cx + c as f32 * cell, y + r as f32 * cell);
                        cv.fill_rect(gx, gy, gx + cell + grow, gy + cell, rgb, a);
                    }
                }
            }
        }
        cx += 6.0 * cell;
    }
    cx
}

/// The 5x7 font: A–Z, 0–9, '<' and a little punctuation; rows top to bottom, bit 4 = left.
fn glyph(c: char) -> Option<[u8; 7]> {
    let g: [u8; 7] = match c {
        'A' => [0x0E, 0x11, 0x11, 0x1F, 0x11, 0x11, 0x11],
        'B' => [0x1E, 0x11, 0x11, 0x1E, 0x11, 0x11, 0x1E],
        'C' => [0x0E, 0x11, 0x10, 0x10, 0x10, 0x11, 0x0E],
        'D' => [0x1C, 0x12, 0x11, 0x11, 0x11, 0x12, 0x1C],
        'E' => [0x1F, 0x10, 0x10, 0x1E, 0x10, 0x10, 0x1F],
        'F' => [0x1F, 0x10, 0x10, 0x1E, 0x10, 0x10, 0x10],
        'G' => [0x0E, 0x11, 0x10, 0x17, 0x11, 0x11, 0x0F],
        'H' => [0x11, 0x11, 0x11, 0x1F, 0x11, 0x11, 0x11],
        'I' => [0x0E, 0x04, 0x04, 0x04, 0x04, 0x04, 0x0E],
        'J' => [0x07, 0x02, 0x02, 0x02, 0x02, 0x12, 0x0C],
        'K' => [0x11, 0x12, 0x14, 0x18, 0x14, 0x12, 0x11],
        'L' => [0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x1F],
        'M' => [0x11, 0x1B, 0x15, 0x15, 0x11, 0x11, 0x11],
        'N' => [0x11, 0x11, 0x19, 0x15, 0x13, 0x11, 0x11],
        'O' => [0x0E, 0x11, 0x11, 0x11, 0x11, 0x11, 0x0E],
        'P' => [0x1E, 0x11, 0x11, 0x1E, 0x10, 0x10, 0x10],
        'Q' => [0x0E, 0x11, 0x11, 0x11, 0x15, 0x12, 0x0D],
        'R' => [0x1E, 0x11, 0x11, 0x1E, 0x14, 0x12, 0x11],
        'S' => [0x0F, 0x10, 0x10, 0x0E, 0x01, 0x01, 0x1E],
        'T' => [0x1F, 0x04, 0x04, 0x04, 0x04, 0x04, 0x04],
        'U' => [0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x0E],
        'V' => [0x11, 0x11, 0x11, 0x11, 0x11, 0x0A, 0x04],
        'W' => [0x11, 0x11, 0x11, 0x15, 0x15, 0x15, 0x0A],
        'X' => [0x11, 0x11, 0x0A, 0x04, 0x0A, 0x11, 0x11],
        'Y' => [0x11, 0x11, 0x11, 0x0A, 0x04, 0x04, 0x04],
        'Z' => [0x1F, 0x01, 0x02, 0x04, 0x08, 0x10, 0x1F],
        '0' => [0x0E, 0x11, 0x13, 0x15, 0x19, 0x11, 0x0E],
        '1' => [0x04, 0x0C, 0x04, 0x04, 0x04, 0x04, 0x0E],
        '2' => [0x0E, 0x11, 0x01, 0x02, 0x04, 0x08, 0x1F],
        '3' => [0x1F, 0x02, 0x04, 0x02, 0x01, 0x11, 0x0E],
        '4' => [0x02, 0x06, 0x0A, 0x12, 0x1F, 0x02, 0x02],
        '5' => [0x1F, 0x10, 0x1E, 0x01, 0x01, 0x11, 0x0E],
        '6' => [0x06, 0x08, 0x10, 0x1E, 0x11, 0x11, 0x0E],
        '7' => [0x1F, 0x01, 0x02, 0x04, 0x08, 0x08, 0x08],
        '8' => [0x0E, 0x11, 0x11, 0x0E, 0x11, 0x11, 0x0E],
        '9' => [0x0E, 0x11, 0x11, 0x0F, 0x01, 0x02, 0x0C],
        '<' => [0x02, 0x04, 0x08, 0x10, 0x08, 0x04, 0x02],
        '.' => [0, 0, 0, 0, 0, 0x0C, 0x0C],
        '-' => [0, 0, 0, 0x1F, 0, 0, 0],
        '/' => [0, 0x01, 0x02, 0x04, 0x08, 0x10, 0],
        ' ' => [0; 7],
        _ => return None,
    };
    Some(g)
}

/// The portrait scaled once to the main box's size (the ghost reuses it), so both prints come
/// from the same pixels whatever the photo's resolution.
fn resized_for_print(portrait: &RgbImage, lay: &Layout, w: f32, h: f32) -> RgbImage {
    let [x0, y0, x1, y1] = lay.portrait.scaled(w, h);
    let (bw, bh) = ((x1 - x0).max(1.0), (y1 - y0).max(1.0));
    let (pw, ph) = (portrait.width() as f32, portrait.height() as f32);
    // Cover the box: the crop's excess on one axis is cut, as a photo trimmed to fit.
    let k = (bw / pw).max(bh / ph);
    resize(portrait, (pw * k).round() as usize, (ph * k).round() as usize)
}

struct Placed {
    bbox: [f32; 4],
    eye_dist: f32,
    eyes: [[f32; 2]; 2],
}

/// Prints the portrait into `bbox`: grey (luma) or colour (desaturated), with the contrast loss
/// of print and, on half the cards, a fine halftone screen.
fn paint_portrait(cv: &mut Canvas, portrait: &RgbImage, bbox: [f32; 4], print: Print, rng: &mut Rng) -> Placed {
    let (x0, y0) = (bbox[0].round().max(0.0) as usize, bbox[1].round().max(0.0) as usize);
    let (x1, y1) = ((bbox[2].round().max(0.0) as usize).min(cv.w), (bbox[3].round().max(0.0) as usize).min(cv.h));
    let (pw, ph) = (portrait.width() as usize, portrait.height() as usize);
    // Portrait pixels are centred on the box (the resize covers it exactly on one axis).
    let (ox, oy) = ((pw as f32 - (x1 - x0) as f32) / 2.0, (ph as f32 - (y1 - y0) as f32) / 2.0);
    let (lo, hi) = (rng.range(10.0, 28.0), rng.range(222.0, 242.0));
    let sat = rng.range(0.7, 0.9);
    let tint = [rng.range(-4.0, 6.0), 0.0, rng.range(-6.0, 3.0)];
    let halftone = rng.chance(0.5).then(|| rng.range(2.6, 3.6));
    let data = portrait.as_raw();
    for y in y0..y1 {
        for x in x0..x1 {
            let p = bilinear(data, pw, ph, (x - x0) as f32 + ox, (y - y0) as f32 + oy);
            let l = luma(p);
            let mut c = match print {
                Print::Grey => [l + tint[0], l, l + tint[2]],
                Print::Colour => p.map(|v| l + (v - l) * sat),
            };
            if let Some(period) = halftone {
                let (u, v) = ((x + y) as f32 / period, (x as f32 - y as f32) / period);
                let screen = (u * std::f32::consts::TAU).cos() * (v * std::f32::consts::TAU).cos();
                c = c.map(|v| v + 9.0 * screen);
            }
            cv.blend(x, y, c.map(|v| lo + (hi - lo) * v.clamp(0.0, 255.0) / 255.0), 1.0);
        }
    }
    let full_w = pw as f32; // the crop's full width, cut or not
    let eye_dist = EYE_SHARE * full_w;
    let cx = (x0 + x1) as f32 / 2.0;
    let eye_y = y0 as f32 - oy + EYE_HEIGHT * ph as f32;
    Placed { bbox: [x0 as f32, y0 as f32, x1 as f32, y1 as f32], eye_dist, eyes: [[cx - eye_dist / 2.0, eye_y], [cx + eye_dist / 2.0, eye_y]] }
}

/// The ghost image: the same portrait scaled to the box's height, faded into the guilloche
/// (alpha 0.35–0.5, soft edges), grey on 80 % of cards. Returns the box it covers.
fn paint_ghost(cv: &mut Canvas, portrait: &RgbImage, bbox: [f32; 4], rng: &mut Rng) -> [f32; 4] {
    let gh = (bbox[3] - bbox[1]).max(2.0);
    let k = gh / portrait.height().max(1) as f32;
    let gw = portrait.width() as f32 * k;
    let cx = (bbox[0] + bbox[2]) / 2.0;
    let ghost = resize(portrait, gw.round() as usize, gh.round() as usize);
    let (x0, y0) = ((cx - gw / 2.0).round().max(0.0) as usize, bbox[1].round().max(0.0) as usize);
    let (w, h) = (ghost.width() as usize, ghost.height() as usize);
    let alpha = rng.range(0.35, 0.5);
    let grey = rng.chance(0.8);
    for y in 0..h {
        for x in 0..w {
            let p = ghost.pixel(x as i64, y as i64).unwrap_or([255; 3]).map(f32::from);
            let l = luma(p);
            let c = if grey { [l; 3] } else { p.map(|v| l + (v - l) * 0.35) };
            // Soft edges: faded over the outer 12 % on each side.
            let ex = (x.min(w - 1 - x) as f32 / (0.12 * w as f32)).min(1.0);
            let ey = (y.min(h - 1 - y) as f32 / (0.12 * h as f32)).min(1.0);
            cv.blend(x0 + x, y0 + y, c, alpha * ex.min(ey));
        }
    }
    [x0 as f32, y0 as f32, (x0 + w) as f32, (y0 + h) as f32]
}

/// An official stamp overlapping the portrait's lower right corner (two thin rings).
fn paint_seal(cv: &mut Canvas, portrait: &[f32; 4], pal: &Palette, rng: &mut Rng) {
    let r = cv.w as f32 * rng.range(0.04, 0.06);
    let (cx, cy) = (portrait[2] - r * 0.3, portrait[3] - r * 0.4);
    let steps = (r * 8.0) as usize;
    for ring in [r, r * 0.78] {
        for k in 0..steps {
            let t = k as f32 / steps.max(1) as f32 * std::f32::consts::TAU;
            cv.dot(cx + ring * t.cos(), cy + ring * t.sin(), cv.w as f32 * 0.0008, pal.band, 0.25);
        }
    }
}

/// Outside the rounded corners the scan is white.
fn cut_corners(cv: &mut Canvas, r: f32) {
    let (w, h) = (cv.w as f32, cv.h as f32);
    let span = r.ceil() as usize + 1;
    for y in (0..span.min(cv.h)).chain(cv.h.saturating_sub(span)..cv.h) {
        for x in (0..span.min(cv.w)).chain(cv.w.saturating_sub(span)..cv.w) {
            let d = rounded_rect_sdf(x as f32 + 0.5, y as f32 + 0.5, w, h, r);
            cv.blend(x, y, [255.0; 3], (d + 0.5).clamp(0.0, 1.0));
        }
    }
}

/// Signed distance (px, positive outside) from (u, v) to a `w`x`h` rectangle at the origin with
/// corners rounded by `r`.
fn rounded_rect_sdf(u: f32, v: f32, w: f32, h: f32, r: f32) -> f32 {
    let r = r.min(w / 2.0).min(h / 2.0).max(0.0);
    let qx = (u - w / 2.0).abs() - (w / 2.0 - r);
    let qy = (v - h / 2.0).abs() - (h / 2.0 - r);
    let outside = (qx.max(0.0).powi(2) + qy.max(0.0).powi(2)).sqrt();
    outside + qx.max(qy).min(0.0) - r
}

// ---------------------------------------------------------------------------------------------
// Geometry: a 3x3 homography from four point pairs, and the phone's projection of the card.
// ---------------------------------------------------------------------------------------------

/// Maps (x, y) to ((h0 x + h1 y + h2) / w, (h3 x + h4 y + h5) / w), w = h6 x + h7 y + h8.
#[derive(Debug, Clone, Copy)]
pub struct Homography(pub [f64; 9]);

impl Homography {
    fn scale(k: f64) -> Homography {
        Homography([k, 0.0, 0.0, 0.0, k, 0.0, 0.0, 0.0, 1.0])
    }

    /// The map taking `from[i]` to `to[i]`: the 8x8 linear system with h8 = 1, solved by
    /// Gaussian elimination with partial pivoting. `None` when degenerate.
    pub fn from_points(from: &[[f32; 2]; 4], to: &[[f32; 2]; 4]) -> Option<Homography> {
        let mut m = [[0f64; 9]; 8];
        for i in 0..4 {
            let (x, y) = (from[i][0] as f64, from[i][1] as f64);
            let (u, v) = (to[i][0] as f64, to[i][1] as f64);
            m[2 * i] = [x, y, 1.0, 0.0, 0.0, 0.0, -u * x, -u * y, u];
            m[2 * i + 1] = [0.0, 0.0, 0.0, x, y, 1.0, -v * x, -v * y, v];
        }
        let h = solve8(m)?;
        Some(Homography([h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7], 1.0]))
    }

    pub fn apply(&self, p: [f32; 2]) -> [f32; 2] {
        let h = &self.0;
        let (x, y) = (p[0] as f64, p[1] as f64);
        let w = h[6] * x + h[7] * y + h[8];
        let w = if w.abs() < 1e-12 { 1e-12 } else { w };
        [((h[0] * x + h[1] * y + h[2]) / w) as f32, ((h[3] * x + h[4] * y + h[5]) / w) as f32]
    }

    /// The inverse (adjugate over determinant), `None` when singular.
    pub fn inverse(&self) -> Option<Homography> {
        let [a, b, c, d, e, f, g, h, i] = self.0;
        let co = [e * i - f * h, c * h - b * i, b * f - c * e, f * g - d * i, a * i - c * g, c * d - a * f, d * h - e * g, b * g - a * h, a * e - b * d];
        let det = a * co[0] + b * co[3] + c * co[6];
        if det.abs() < 1e-12 || !det.is_finite() {
            return None;
        }
        Some(Homography(co.map(|v| v / det)))
    }
}

/// Solves the 8 equations `m[r][0..8] · h = m[r][8]`.
fn solve8(mut m: [[f64; 9]; 8]) -> Option<[f64; 8]> {
    for col in 0..8 {
        let pivot = (col..8).max_by(|&a, &b| m[a][col].abs().total_cmp(&m[b][col].abs()))?;
        if m[pivot][col].abs() < 1e-10 {
            return None;
        }
        m.swap(col, pivot);
        for r in 0..8 {
            if r != col {
                let k = m[r][col] / m[col][col];
                for c in col..9 {
                    m[r][c] -= k * m[col][c];
                }
            }
        }
    }
    let out: [f64; 8] = std::array::from_fn(|r| m[r][8] / m[r][r]);
    out.iter().all(|v| v.is_finite()).then_some(out)
}

/// The shot's numbers made safe: a frame of 16..4096 px a side, finite values in range.
struct Clamped {
    w: usize,
    h: usize,
    centre: [f32; 2],
    card_width: f32,
    rotation: f32,
    tilt: [f32; 2],
    glare: Vec<Glare>,
    blur: f32,
    noise: f32,
    jpeg: Option<u8>,
    background_seed: u64,
    light: f32,
    backdrop: Option<std::sync::Arc<RgbImage>>,
    motion: [f32; 2],
    tint: [f32; 3],
}

fn finite_or(v: f32, or: f32) -> f32 {
    if v.is_finite() { v } else { or }
}

impl Clamped {
    fn from(s: &Shot) -> Clamped {
        let (w, h) = (s.frame_w.clamp(16, 4096) as usize, s.frame_h.clamp(16, 4096) as usize);
        let big = 4.0 * w.max(h) as f32;
        Clamped {
            w,
            h,
            centre: [finite_or(s.centre[0], w as f32 / 2.0).clamp(-big, big), finite_or(s.centre[1], h as f32 / 2.0).clamp(-big, big)],
            card_width: finite_or(s.card_width, w as f32 / 2.0).clamp(4.0, big),
            rotation: finite_or(s.rotation_deg, 0.0).rem_euclid(360.0),
            tilt: s.tilt.map(|t| finite_or(t, 0.0).clamp(-60.0, 60.0)),
            glare: s
                .glare
                .iter()
                .map(|g| Glare {
                    centre: g.centre.map(|c| finite_or(c, 0.5).clamp(-1.0, 2.0)),
                    radius: finite_or(g.radius, 0.0).clamp(0.001, 2.0),
                    strength: finite_or(g.strength, 0.0).clamp(0.0, 1.0),
                })
                .collect(),
            blur: finite_or(s.blur_sigma, 0.0).clamp(0.0, 20.0),
            noise: finite_or(s.noise_sigma, 0.0).clamp(0.0, 100.0),
            jpeg: s.jpeg_quality.map(|q| q.clamp(1, 100)),
            background_seed: s.background_seed,
            light: finite_or(s.light, 1.0).clamp(0.0, 4.0),
            backdrop: s.backdrop.clone(),
            motion: s.motion.map(|m| finite_or(m, 0.0).clamp(-200.0, 200.0)),
            tint: s.tint.map(|t| finite_or(t, 1.0).clamp(0.0, 4.0)),
        }
    }
}

/// Card px -> frame px: the card tilted about its own axes, seen by a pinhole camera whose
/// focal length is 0.8 of the frame's long side (a phone's main camera, ~65° across), at the
/// distance where it is `card_width` px wide, then turned in the image and moved to `centre`.
fn card_to_frame(cw: f32, ch: f32, s: &Clamped) -> Homography {
    let to = project_corners(cw, ch, s);
    let from = rect_quad([0.0, 0.0, cw, ch]);
    Homography::from_points(&from, &to).unwrap_or_else(|| {
        let k = (s.card_width / cw) as f64;
        let mut hm = Homography::scale(k).0;
        hm[2] = s.centre[0] as f64 - k * cw as f64 / 2.0;
        hm[5] = s.centre[1] as f64 - k * ch as f64 / 2.0;
        Homography(hm)
    })
}

fn project_corners(cw: f32, ch: f32, s: &Clamped) -> [[f32; 2]; 4] {
    let k = s.card_width / cw.max(1.0);
    let f = 0.8 * s.w.max(s.h) as f32;
    let (ax, ay) = (s.tilt[0].to_radians(), s.tilt[1].to_radians());
    let rot = s.rotation.to_radians();
    rect_quad([-cw / 2.0, -ch / 2.0, cw / 2.0, ch / 2.0]).map(|[x, y]| {
        let (x, y) = (x * k, y * k);
        // About the card's x axis (top edge away or toward), then its y axis.
        let (y1, z1) = (y * ax.cos(), y * ax.sin());
        let (x2, z2) = (x * ay.cos() + z1 * ay.sin(), -x * ay.sin() + z1 * ay.cos());
        let depth = (f + z2).max(0.1 * f);
        let (px, py) = (f * x2 / depth, f * y1 / depth);
        [s.centre[0] + px * rot.cos() - py * rot.sin(), s.centre[1] + px * rot.sin() + py * rot.cos()]
    })
}

/// Frame px per card px along the card's top and bottom edges, averaged.
fn frame_scale(h: &Homography, cw: f32, ch: f32) -> f32 {
    let q = rect_quad([0.0, 0.0, cw, ch]).map(|p| h.apply(p));
    ((dist(q[0], q[1]) + dist(q[3], q[2])) / (2.0 * cw.max(1.0))).max(1e-3)
}

// ---------------------------------------------------------------------------------------------
// The photo: desk, background face, card warp with glare, light, blur, noise, JPEG.
// ---------------------------------------------------------------------------------------------

/// Frame sizes phones hand to a browser (landscape and portrait).
const FRAMES: [(u32, u32); 4] = [(1280, 720), (720, 1280), (640, 480), (1920, 1080)];

/// The largest card width at which the shot's card fits in 96 % of the frame.
fn fit_width(shot: &Shot) -> f32 {
    let mut s = Clamped::from(shot);
    s.centre = [s.w as f32 / 2.0, s.h as f32 / 2.0];
    // The taller format: an ID-1 card of the same width fits inside it.
    let (cw, ch) = (1000.0, 1000.0 / Format::Id3.aspect());
    for _ in 0..3 {
        let q = project_corners(cw, ch, &s);
        let (bw, bh) = bbox_size(&q);
        let k = (0.96 * s.w as f32 / bw.max(1.0)).min(0.96 * s.h as f32 / bh.max(1.0));
        s.card_width *= k;
    }
    s.card_width
}

fn bbox(q: &[[f32; 2]; 4]) -> [f32; 4] {
    let xs = q.map(|p| p[0]);
    let ys = q.map(|p| p[1]);
    [
        xs.iter().copied().fold(f32::MAX, f32::min),
        ys.iter().copied().fold(f32::MAX, f32::min),
        xs.iter().copied().fold(f32::MIN, f32::max),
        ys.iter().copied().fold(f32::MIN, f32::max),
    ]
}

fn bbox_size(q: &[[f32; 2]; 4]) -> (f32, f32) {
    let b = bbox(q);
    (b[2] - b[0], b[3] - b[1])
}

/// A centre that keeps the whole card 2 % inside the frame (taller cards: centred).
fn random_centre(shot: &Shot, rng: &mut Rng) -> [f32; 2] {
    let mut s = Clamped::from(shot);
    s.centre = [0.0, 0.0];
    let b = bbox(&project_corners(1000.0, 1000.0 / Format::Id3.aspect(), &s));
    let m = 0.02 * s.w.min(s.h) as f32;
    let pick = |rng: &mut Rng, lo: f32, hi: f32| if hi > lo { rng.range(lo, hi) } else { (lo + hi) / 2.0 };
    [pick(rng, m - b[0], s.w as f32 - m - b[2]), pick(rng, m - b[1], s.h as f32 - m - b[3])]
}

/// 0..n glare spots anywhere on the card.
fn random_glare(rng: &mut Rng, n: usize) -> Vec<Glare> {
    (0..n)
        .map(|_| Glare { centre: [rng.range(0.05, 0.95), rng.range(0.1, 0.9)], radius: rng.range(0.03, 0.1), strength: rng.range(0.3, 0.9) })
        .collect()
}

/// One strong spot on the portrait, grown until it whitens >= 8 % of the portrait of either
/// format's layout (the contract's boxes), whatever the card's own jitter.
fn portrait_glare(rng: &mut Rng) -> Vec<Glare> {
    let mut g = Glare { centre: [rng.range(0.1, 0.26), rng.range(0.32, 0.68)], radius: rng.range(0.07, 0.13), strength: rng.range(0.75, 1.0) };
    let (w1, w3) = (1000.0, 1000.0);
    let (h1, h3) = (w1 / Format::Id1.aspect(), w3 / Format::Id3.aspect());
    for _ in 0..20 {
        let c1 = glare_share(&[g], &UBox([0.052, 0.212, 0.318, 0.818]).scaled(w1, h1), w1, h1);
        let c3 = glare_share(&[g], &UBox([0.052, 0.232, 0.288, 0.768]).scaled(w3, h3), w3, h3);
        if c1.min(c3) >= 0.08 {
            break;
        }
        g.radius *= 1.1;
    }
    vec![g]
}

/// Opacity 0..1 of the glare (how far toward white) at card units (u, v), `aspect` = w / h.
fn glare_alpha(glare: &[Glare], u: f32, v: f32, aspect: f32) -> f32 {
    let mut a = 0f32;
    for g in glare {
        let dx = (u - g.centre[0]) / g.radius;
        let dy = (v - g.centre[1]) / (aspect * 0.6 * g.radius) * 1.0;
        let d2 = dx * dx + dy * dy;
        if d2 < 4.0 {
            // A parabolic spot (flat saturated core, soft rim) in a faint halo twice as wide.
            let core = (g.strength * 1.6 * (1.0 - d2)).max(0.0);
            let halo = g.strength * 0.25 * (1.0 - d2 / 4.0);
            let s = (core + halo).min(1.0);
            a = 1.0 - (1.0 - a) * (1.0 - s);
        }
    }
    a
}

/// Share of `bx` (card px) where the glare's opacity is at least 0.5.
fn glare_share(glare: &[Glare], bx: &[f32; 4], cw: f32, ch: f32) -> f32 {
    if glare.is_empty() {
        return 0.0;
    }
    let n = 32;
    let mut hit = 0;
    for j in 0..n {
        for i in 0..n {
            let x = bx[0] + (bx[2] - bx[0]) * (i as f32 + 0.5) / n as f32;
            let y = bx[1] + (bx[3] - bx[1]) * (j as f32 + 0.5) / n as f32;
            if glare_alpha(glare, x / cw, y / ch, cw / ch) >= 0.5 {
                hit += 1;
            }
        }
    }
    hit as f32 / (n * n) as f32
}

/// Smooth value noise: random values on a lattice of `cell` px, interpolated with a smoothstep.
/// Evaluated a row at a time (`row`): per pixel that is one lerp, not a lattice lookup.
struct ValueNoise {
    grid: Vec<f32>,
    gw: usize,
    cell: f32,
    /// Per frame column: the lattice column to its left and the smoothed weight of the right one.
    cols: Vec<(usize, f32)>,
    /// The current row's values at every lattice column.
    row_vals: Vec<f32>,
}

impl ValueNoise {
    fn new(rng: &mut Rng, w: usize, h: usize, cell: f32) -> ValueNoise {
        let cell = cell.max(2.0);
        let gw = (w as f32 / cell) as usize + 2;
        let gh = (h as f32 / cell) as usize + 2;
        let cols = (0..w).map(|x| {
            let g = x as f32 / cell;
            (g as usize, smoothstep(g - (g as usize) as f32))
        });
        ValueNoise { grid: (0..gw * gh).map(|_| rng.unit()).collect(), gw, cell, cols: cols.collect(), row_vals: vec![0.5; gw] }
    }

    /// Prepares row `y`; then `in_row(x)` gives the noise at (x, y).
    fn row(&mut self, y: usize) {
        let g = y as f32 / self.cell;
        let (iy, fy) = (g as usize, smoothstep(g - (g as usize) as f32));
        for j in 0..self.gw {
            let a = self.grid.get(iy * self.gw + j).copied().unwrap_or(0.5);
            let b = self.grid.get((iy + 1) * self.gw + j).copied().unwrap_or(0.5);
            if let Some(v) = self.row_vals.get_mut(j) {
                *v = a + (b - a) * fy;
            }
        }
    }

    fn in_row(&self, x: usize) -> f32 {
        let (j, fx) = self.cols.get(x).copied().unwrap_or((0, 0.0));
        let a = self.row_vals.get(j).copied().unwrap_or(0.5);
        let b = self.row_vals.get(j + 1).copied().unwrap_or(a);
        a + (b - a) * fx
    }
    fn at(&self, x: f32, y: f32) -> f32 {
        let (gx, gy) = (x.max(0.0) / self.cell, y.max(0.0) / self.cell);
        let (ix, iy) = (gx as usize, gy as usize);
        let (fx, fy) = (smoothstep(gx - ix as f32), smoothstep(gy - iy as f32));
        let g = |xx: usize, yy: usize| self.grid.get(yy * self.gw + xx).copied().unwrap_or(0.5);
        let top = g(ix, iy) + (g(ix + 1, iy) - g(ix, iy)) * fx;
        let bottom = g(ix, iy + 1) + (g(ix + 1, iy + 1) - g(ix, iy + 1)) * fx;
        top + (bottom - top) * fy
    }
}

/// A cluttered desk: wood, fabric, laminate or a desk mat, with papers, pens, a mug, a
/// keyboard, a phone, sticky notes, partly out of the frame. RGB floats.
fn desk(w: usize, h: usize, seed: u64, backdrop: Option<&RgbImage>) -> Vec<f32> {
    let mut rng = Rng::new(mix(seed, 0xde5c));
    if let Some(photo) = backdrop {
        return cover(photo, w, h).as_raw().iter().map(|&v| v as f32).collect();
    }
    let mut buf = vec![0f32; w * h * 3];
    desk_surface(&mut buf, w, h, &mut rng);
    let n = 4 + rng.below(6);
    for _ in 0..n {
        let obj = DeskObject::random(&mut rng, w, h);
        obj.draw(&mut buf, w, h);
    }
    buf
}

fn desk_surface(buf: &mut [f32], w: usize, h: usize, rng: &mut Rng) {
    let kind = rng.below(4);
    let (coarse_cell, fine_cell) = (rng.range(60.0, 160.0), rng.range(6.0, 14.0));
    let mut coarse = ValueNoise::new(rng, w, h, coarse_cell);
    let mut fine = ValueNoise::new(rng, w, h, fine_cell);
    let sin = SinTable::new();
    let angle = rng.range(-0.4, 0.4);
    let (ca, sa) = (angle.cos(), angle.sin());
    let period = rng.range(9.0, 24.0);
    let (dark, light): ([f32; 3], [f32; 3]) = match kind {
        0 => ([rng.range(90.0, 130.0), rng.range(55.0, 80.0), rng.range(30.0, 50.0)], [rng.range(160.0, 200.0), rng.range(115.0, 150.0), rng.range(70.0, 100.0)]),
        1 => {
            let base = [rng.range(40.0, 160.0), rng.range(40.0, 140.0), rng.range(50.0, 170.0)];
            (base.map(|v| v * 0.75), base)
        }
        2 => ([rng.range(175.0, 205.0); 3], [rng.range(210.0, 235.0); 3]),
        _ => ([rng.range(25.0, 40.0), rng.range(30.0, 50.0), rng.range(30.0, 45.0)], [rng.range(55.0, 75.0), rng.range(60.0, 85.0), rng.range(55.0, 80.0)]),
    };
    for y in 0..h {
        coarse.row(y);
        fine.row(y);
        for x in 0..w {
            let (fx, fy) = (x as f32, y as f32);
            let (c, f) = (coarse.in_row(x), fine.in_row(x));
            let t = match kind {
                // Wood grain: stripes along a direction, their phase bent by slow noise.
                0 => 0.5 + 0.5 * sin.turns((fx * ca + fy * sa) / period + 3.0 * c) * (0.6 + 0.4 * f),
                // Fabric: a weave of two threads plus mottling.
                1 => (if (x / 3 + y / 3) % 2 == 0 { 0.75 } else { 0.45 }) * (0.7 + 0.3 * c) + 0.15 * f,
                2 => 0.7 * c + 0.3 * f,
                _ => 0.6 * c + 0.4 * f,
            } + grain(x, y);
            let i = (y * w + x) * 3;
            if let Some(p) = buf.get_mut(i..i + 3) {
                for c in 0..3 {
                    p[c] = dark[c] + (light[c] - dark[c]) * t;
                }
            }
        }
    }
}

/// Per-pixel grain, ±0.05 (a hash: the surface is never flat at the pixel level).
fn grain(x: usize, y: usize) -> f32 {
    let hsh = (x as u32).wrapping_mul(0x9E37_79B1) ^ (y as u32).wrapping_mul(0x85EB_CA77);
    let hsh = hsh ^ (hsh >> 15);
    (hsh.wrapping_mul(0x2C1B_3C6D) >> 24) as f32 / 2550.0 - 0.05
}

enum Look {
    Plain([f32; 3]),
    /// A printed sheet: white with grey text lines.
    Paper { line_pitch: f32 },
    Keyboard,
    /// A mug seen from above: a rim ring around coffee.
    Mug([f32; 3]),
}

struct DeskObject {
    centre: [f32; 2],
    angle: f32,
    half: [f32; 2],
    round: f32,
    look: Look,
}

impl DeskObject {
    fn random(rng: &mut Rng, w: usize, h: usize) -> DeskObject {
        let m = w.min(h) as f32;
        let centre = [rng.range(-0.1, 1.1) * w as f32, rng.range(-0.1, 1.1) * h as f32];
        let angle = rng.range(-0.6, 0.6);
        let bright = |rng: &mut Rng| [rng.range(20.0, 230.0), rng.range(20.0, 230.0), rng.range(20.0, 230.0)];
        match rng.below(8) {
            0 => {
                let hw = m * rng.range(0.25, 0.45);
                DeskObject { centre, angle, half: [hw, hw * 1.414], round: 0.0, look: Look::Paper { line_pitch: m * rng.range(0.012, 0.022) } }
            }
            1 => {
                // A notebook or a book: a coloured block.
                let hw = m * rng.range(0.15, 0.3);
                DeskObject { centre, angle, half: [hw, hw * rng.range(1.2, 1.5)], round: m * 0.01, look: Look::Plain(bright(rng).map(|v| v * 0.8)) }
            }
            6 => {
                // A coin.
                let r = m * rng.range(0.025, 0.04);
                DeskObject { centre, angle: 0.0, half: [r, r], round: r, look: Look::Plain([rng.range(150.0, 200.0), rng.range(130.0, 170.0), rng.range(80.0, 120.0)]) }
            }
            2 => DeskObject { centre, angle: rng.range(-1.5, 1.5), half: [m * rng.range(0.1, 0.2), m * 0.012], round: m * 0.012, look: Look::Plain(bright(rng)) },
            3 => {
                let r = m * rng.range(0.07, 0.13);
                DeskObject { centre, angle: 0.0, half: [r, r], round: r, look: Look::Mug(bright(rng)) }
            }
            4 => DeskObject { centre, angle: rng.range(-0.2, 0.2), half: [m * 0.5, m * 0.16], round: m * 0.01, look: Look::Keyboard },
            _ => {
                let k = m * rng.range(0.06, 0.12);
                let dark = rng.chance(0.5);
                let look = if dark { Look::Plain([25.0, 27.0, 30.0]) } else { Look::Plain([240.0, 220.0, rng.range(60.0, 120.0)]) };
                let half = if dark { [k, k * 2.0] } else { [k, k] };
                DeskObject { centre, angle, half, round: if dark { k * 0.2 } else { 0.0 }, look }
            }
        }
    }

        fn draw(&self, buf: &mut [f32], w: usize, h: usize) {
        let (ca, sa) = (self.angle.cos(), self.angle.sin());
        let rx = self.half[0] * ca.abs() + self.half[1] * sa.abs() + 8.0;
        let ry = self.half[0] * sa.abs() + self.half[1] * ca.abs() + 8.0;
        let x0 = (self.centre[0] - rx).max(0.0) as usize;
        let x1 = ((self.centre[0] + rx).max(0.0) as usize).min(w);
        let y0 = (self.centre[1] - ry).max(0.0) as usize;
        let y1 = ((self.centre[1] + ry).max(0.0) as usize).min(h);
        let (sw, sh) = (self.half[0] * 2.0, self.half[1] * 2.0);
        for y in y0..y1 {
            for x in x0..x1 {
                let (dx, dy) = (x as f32 + 0.5 - self.centre[0], y as f32 + 0.5 - self.centre[1]);
                let (lx, ly) = (dx * ca + dy * sa + self.half[0], -dx * sa + dy * ca + self.half[1]);
                let i = (y * w + x) * 3;
                let Some(p) = buf.get_mut(i..i + 3) else { continue };
                // Well inside: painted, no distance (a mug's rim needs it).
                let r = self.round;
                let inner = (lx > r && lx < sw - r && ly > 1.0 && ly < sh - 1.0) || (ly > r && ly < sh - r && lx > 1.0 && lx < sw - 1.0);
                if inner && !matches!(self.look, Look::Mug(_)) {
                    p.copy_from_slice(&self.colour(lx, ly, -1.0));
                    continue;
                }
                let d = rounded_rect_sdf(lx, ly, sw, sh, r);
                // A soft contact shadow around the object, then the object itself.
                let shadow = 0.3 * (1.0 - d / 6.0).clamp(0.0, 1.0);
                let cov = (0.5 - d).clamp(0.0, 1.0);
                let c = self.colour(lx, ly, d);
                for k in 0..3 {
                    p[k] *= 1.0 - shadow;
                    p[k] += (c[k] - p[k]) * cov;
                }
            }
        }
    }

    fn colour(&self, lx: f32, ly: f32, d: f32) -> [f32; 3] {
        match self.look {
            Look::Plain(c) => c,
            Look::Paper { line_pitch } => {
                let margin = self.half[0] * 0.15;
                let row = ly / line_pitch;
                let in_line = fract(row) < 0.18 && lx > margin && lx < 2.0 * self.half[0] - margin && ly > margin;
                // Words: line segments broken by a hash of (row, column) so they vary.
                let word = ((row as u32).wrapping_mul(2654435761) ^ ((lx / (line_pitch * 2.0)) as u32).wrapping_mul(40503)) % 7 != 0;
                if in_line && word { [150.0, 150.0, 156.0] } else { [242.0, 242.0, 238.0] }
            }
            Look::Keyboard => {
                let key = self.half[1] / 3.0;
                let (kx, ky) = (fract(lx / key), fract(ly / key));
                if kx > 0.12 && ky > 0.12 && ly > key * 0.5 { [58.0, 60.0, 64.0] } else { [30.0, 31.0, 34.0] }
            }
            Look::Mug(c) => {
                if -d < self.half[0] * 0.18 { c } else { [60.0, 35.0, 20.0] }
            }
        }
    }
}

/// The face photo as a print lying on the desk, somewhere its box does not meet the card's.
/// Returns its quad (frame px), `None` when no free place was found.
fn place_background_face(buf: &mut [f32], face: &RgbImage, card: &[[f32; 2]; 4], s: &Clamped) -> Option<[[f32; 2]; 4]> {
    let mut rng = Rng::new(mix(s.background_seed, 0xbf));
    let cb = bbox(card);
    let (fw, fh) = (face.width() as f32, face.height() as f32);
    let m = s.w.min(s.h) as f32;
    for attempt in 0..60 {
        let height = m * rng.range(0.22, 0.4) * if attempt >= 30 { 0.7 } else { 1.0 };
        let half = [height * fw / fh.max(1.0) / 2.0, height / 2.0];
        let centre = [rng.range(half[0], s.w as f32 - half[0]), rng.range(half[1], s.h as f32 - half[1])];
        let angle = rng.range(-20f32, 20.0).to_radians();
        let quad = [[-1.0, -1.0], [1.0, -1.0], [1.0, 1.0], [-1.0, 1.0]].map(|[a, b]: [f32; 2]| {
            let (x, y) = (a * half[0] * 1.06, b * half[1] * 1.06);
            [centre[0] + x * angle.cos() - y * angle.sin(), centre[1] + x * angle.sin() + y * angle.cos()]
        });
        let fb = bbox(&quad);
        let inside = fb[0] >= 0.0 && fb[1] >= 0.0 && fb[2] <= s.w as f32 && fb[3] <= s.h as f32;
        let apart = fb[2] + 6.0 < cb[0] || fb[0] > cb[2] + 6.0 || fb[3] + 6.0 < cb[1] || fb[1] > cb[3] + 6.0;
        if inside && apart {
            draw_print(buf, s.w, s.h, face, centre, half, angle);
            return Some(quad);
        }
    }
    None
}

/// A photo print: the image with a 6 % white border, turned by `angle`.
fn draw_print(buf: &mut [f32], w: usize, h: usize, img: &RgbImage, centre: [f32; 2], half: [f32; 2], angle: f32) {
    let outer = [half[0] * 1.06, half[1] * 1.06];
    let reach = (outer[0].powi(2) + outer[1].powi(2)).sqrt() + 2.0;
    let (ca, sa) = (angle.cos(), angle.sin());
    let (iw, ih) = (img.width() as usize, img.height() as usize);
    let k = iw as f32 / (2.0 * half[0]).max(1.0);
    let y0 = (centre[1] - reach).max(0.0) as usize;
    let y1 = ((centre[1] + reach).max(0.0) as usize).min(h);
    let x0 = (centre[0] - reach).max(0.0) as usize;
    let x1 = ((centre[0] + reach).max(0.0) as usize).min(w);
    for y in y0..y1 {
        for x in x0..x1 {
            let (dx, dy) = (x as f32 + 0.5 - centre[0], y as f32 + 0.5 - centre[1]);
            let (lx, ly) = (dx * ca + dy * sa, -dx * sa + dy * ca);
            let d = rounded_rect_sdf(lx + outer[0], ly + outer[1], 2.0 * outer[0], 2.0 * outer[1], 0.0);
            let cov = (0.5 - d).clamp(0.0, 1.0);
            if cov <= 0.0 {
                continue;
            }
            let inside = lx.abs() < half[0] && ly.abs() < half[1];
            let c = if inside { bilinear(img.as_raw(), iw, ih, (lx + half[0]) * k - 0.5, (ly + half[1]) * k - 0.5) } else { [245.0; 3] };
            let i = (y * w + x) * 3;
            if let Some(p) = buf.get_mut(i..i + 3) {
                for ch in 0..3 {
                    p[ch] += (c[ch] - p[ch]) * cov;
                }
            }
        }
    }
}

/// Mip levels of the card: level k is 2^k times smaller.
fn mip_levels(card: &RgbImage, levels: usize) -> Vec<(Vec<u8>, usize, usize)> {
    let mut out = vec![(card.as_raw().to_vec(), card.width() as usize, card.height() as usize)];
    for _ in 0..levels {
        let Some((d, w, h)) = out.last() else { break };
        if *w < 8 || *h < 8 {
            break;
        }
        let next = halve(d, *w, *h);
        out.push(next);
    }
    out
}

/// Draws the card (rounded corners, a soft shadow below-right) into `frame`, and the glare's
/// opacity into `glare_map`.
fn warp_card(frame: &mut [f32], glare_map: &mut [f32], card: &Card, h: &Homography, inv: &Homography, s: &Clamped) {
    let (cw, ch) = (card.image.width() as f32, card.image.height() as f32);
    let scale = frame_scale(h, cw, ch);
    let level = ((1.0 / scale).log2().floor().max(0.0) as usize).min(6);
    let mips = mip_levels(&card.image, level);
    let Some((data, mw, mh)) = mips.last() else { return };
    let k = *mw as f32 / cw;
    let corners = rect_quad([0.0, 0.0, cw, ch]).map(|p| h.apply(p));
    let shadow = (0.012 * s.card_width).max(2.0);
    let b = bbox(&corners);
    let x0 = (b[0] - 2.0 * shadow).clamp(0.0, s.w as f32) as usize;
    let x1 = (b[2] + 2.0 * shadow + 1.0).clamp(0.0, s.w as f32) as usize;
    let y0 = (b[1] - 2.0 * shadow).clamp(0.0, s.h as f32) as usize;
    let y1 = (b[3] + 2.0 * shadow + 1.0).clamp(0.0, s.h as f32) as usize;
    let m = inv.0.map(|v| v as f32);
    let aspect = cw / ch;
    let edge = 1.0 / scale;
    for y in y0..y1 {
        for x in x0..x1 {
            let (fx, fy) = (x as f32 + 0.5, y as f32 + 0.5);
            let card_at = |fx: f32, fy: f32| {
                let wz = m[6] * fx + m[7] * fy + m[8];
                let wz = if wz.abs() < 1e-9 { 1e-9 } else { wz };
                ((m[0] * fx + m[1] * fy + m[2]) / wz, (m[3] * fx + m[4] * fy + m[5]) / wz)
            };
            let (u, v) = card_at(fx, fy);
            // Well inside (a frame pixel from the edges, away from the rounded corners): no
            // distance to compute.
            let (r, e) = (card.corner_radius, edge);
            let inner = (u > r && u < cw - r && v > e && v < ch - e) || (v > r && v < ch - r && u > e && u < cw - e);
            let d = if inner { -1.0 } else { rounded_rect_sdf(u, v, cw, ch, r) * scale };
            let i = (y * s.w + x) * 3;
            let Some(p) = frame.get_mut(i..i + 3) else { continue };
            if d > 0.5 {
                // The card's shadow on the desk, offset down and right.
                let (su, sv) = card_at(fx - shadow * 0.5, fy - shadow);
                let sd = rounded_rect_sdf(su, sv, cw, ch, card.corner_radius) * scale;
                let dark = 0.35 * (1.0 - sd / shadow).clamp(0.0, 1.0);
                p.iter_mut().for_each(|c| *c *= 1.0 - dark);
                continue;
            }
            let cov = (0.5 - d).clamp(0.0, 1.0);
            let c = bilinear_fast(data, *mw, *mh, u * k - 0.5, v * k - 0.5);
            for ch in 0..3 {
                p[ch] += (c[ch] - p[ch]) * cov;
            }
            if !s.glare.is_empty() {
                if let Some(g) = glare_map.get_mut(y * s.w + x) {
                    *g = cov * glare_alpha(&s.glare, u / cw, v / ch, aspect);
                }
            }
        }
    }
}

/// Gaussian weights to 2.5 sigma, summing to 1.
fn gaussian_kernel(sigma: f32) -> Vec<f32> {
    let r = (2.5 * sigma).ceil().max(1.0) as usize;
    let k: Vec<f32> = (0..=2 * r).map(|i| (-((i as f32 - r as f32).powi(2)) / (2.0 * sigma * sigma)).exp()).collect();
    let total: f32 = k.iter().sum();
    k.iter().map(|v| v / total).collect()
}

/// The horizontal half of the separable blur, in place: each row padded with its edge pixels,
/// then one shifted multiply-add per tap (contiguous floats: the loops vectorise). The vertical
/// half is done row by row in `finish`, so the blurred frame is never stored whole.
fn blur_rows(buf: &mut [f32], w: usize, h: usize, kernel: &[f32]) {
    let r = kernel.len() / 2;
    let stride = w * 3;
    let mut pad = vec![0f32; (w + 2 * r) * 3];
    for y in 0..h {
        let Some(row) = buf.get_mut(y * stride..(y + 1) * stride) else { return };
        for (x, p) in pad.chunks_exact_mut(3).enumerate() {
            let xx = x.saturating_sub(r).min(w - 1) * 3;
            p.copy_from_slice(&row[xx..xx + 3]);
        }
        row.iter_mut().for_each(|v| *v = 0.0);
        for (j, kv) in kernel.iter().enumerate() {
            for (o, v) in row.iter_mut().zip(&pad[j * 3..j * 3 + stride]) {
                *o += kv * v;
            }
        }
    }
}

/// Row `y` of the vertically blurred `buf` into `out`.
fn blur_column_row(buf: &[f32], w: usize, h: usize, kernel: &[f32], y: usize, out: &mut [f32]) {
    let (r, stride) = (kernel.len() / 2, w * 3);
    out.iter_mut().for_each(|v| *v = 0.0);
    for (j, kv) in kernel.iter().enumerate() {
        let yy = (y + j).saturating_sub(r).min(h - 1);
        let Some(src) = buf.get(yy * stride..(yy + 1) * stride) else { continue };
        for (o, v) in out.iter_mut().zip(src) {
            *o += kv * v;
        }
    }
}

/// The optics, then the sensor: gaussian blur (separable, edges clamped; skipped below 0.4 px,
/// where the bilinear resampling and the JPEG soften as much), exposure, a lamp's gradient,
/// vignetting and a colour cast, glare toward white on top, sensor noise and 8-bit
/// quantisation in one pass over the rows, then the JPEG round trip. Light and glare are
/// smooth, so applying them after the blur changes nothing visible.
fn finish(frame: &mut [f32], glare_map: &[f32], s: &Clamped) -> RgbImage {
    motion_blur(frame, s.w, s.h, s.motion);
    let kernel = (s.blur >= 0.4).then(|| gaussian_kernel(s.blur));
    if let Some(k) = &kernel {
        blur_rows(frame, s.w, s.h, k);
    }
    let stride = s.w * 3;
    let mut blurred = vec![0f32; if kernel.is_some() { stride } else { 0 }];
    let mut rng = Rng::new(mix(s.background_seed, 0x119));
    let dir = rng.range(0.0, std::f32::consts::TAU);
    let (gx, gy) = (0.3 * dir.cos(), 0.3 * dir.sin());
    let cast = [rng.range(0.94, 1.06) * s.tint[0], s.tint[1], rng.range(0.92, 1.06) * s.tint[2]];
    // Triangular noise of the requested sigma from 10-bit uniforms, three channels per draw:
    // indistinguishable from gaussian after JPEG, at a fraction of the cost.
    let k = s.noise * 6f32.sqrt() / 1024.0;
    let (w, h) = (s.w as f32, s.h as f32);
    let mut out = vec![0u8; frame.len()];
    for y in 0..s.h {
        let ny = (y as f32 + 0.5) / h - 0.5;
        let src_row: &[f32] = match &kernel {
            Some(k) => {
                blur_column_row(frame, s.w, s.h, k, y, &mut blurred);
                &blurred
            }
            None => frame.get(y * stride..(y + 1) * stride).unwrap_or(&[]),
        };
        let row = y * s.w;
        for x in 0..s.w {
            let nx = (x as f32 + 0.5) / w - 0.5;
            let lamp = s.light * (1.0 + gx * nx + gy * ny) * (1.0 - 0.35 * (nx * nx + ny * ny));
            let g = glare_map.get(row + x).copied().unwrap_or(0.0);
            let r = if k > 0.0 { rng.next_u64() } else { 0 };
            let i = (row + x) * 3;
            let (Some(src), Some(dst)) = (src_row.get(x * 3..x * 3 + 3), out.get_mut(i..i + 3)) else { continue };
            for c in 0..3 {
                let lit = src[c] * lamp * cast[c];
                let bits = r >> (20 * c);
                let tri = ((bits & 1023) + ((bits >> 10) & 1023)) as f32 - 1023.0;
                dst[c] = to_u8(lit + (262.0 - lit) * g + k * tri);
            }
        }
    }
    let (w, h) = (s.w as u32, s.h as u32);
    let data = match s.jpeg {
        Some(q) => jpeg_round_trip(&out, w, h, q).unwrap_or(out),
        None => out,
    };
    RgbImage::from_raw(w, h, data).unwrap_or_else(|| blank(w, h))
}

/// Camera shake: each pixel the mean of samples along `path` (centred), edges clamped.
fn motion_blur(frame: &mut [f32], w: usize, h: usize, path: [f32; 2]) {
    let len = path[0].hypot(path[1]);
    if len < 1.0 || w == 0 || h == 0 {
        return;
    }
    let n = (len.ceil() as usize + 1).min(64);
    let src = frame.to_vec();
    let offs: Vec<[f32; 2]> = (0..n).map(|i| {
        let t = i as f32 / (n - 1) as f32 - 0.5;
        [t * path[0], t * path[1]]
    }).collect();
    for y in 0..h {
        for x in 0..w {
            let mut acc = [0f32; 3];
            for o in &offs {
                let xx = (x as f32 + o[0]).round().clamp(0.0, (w - 1) as f32) as usize;
                let yy = (y as f32 + o[1]).round().clamp(0.0, (h - 1) as f32) as usize;
                let j = (yy * w + xx) * 3;
                for c in 0..3 {
                    acc[c] += src.get(j + c).copied().unwrap_or(0.0);
                }
            }
            let i = (y * w + x) * 3;
            if let Some(p) = frame.get_mut(i..i + 3) {
                for c in 0..3 {
                    p[c] = acc[c] / n as f32;
                }
            }
        }
    }
}

fn jpeg_round_trip(data: &[u8], w: u32, h: u32, quality: u8) -> Option<Vec<u8>> {
    let mut bytes = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut bytes, quality).encode(data, w, h, image::ExtendedColorType::Rgb8).ok()?;
    let img = image::load_from_memory_with_format(&bytes, image::ImageFormat::Jpeg).ok()?;
    let rgb = img.to_rgb8();
    (rgb.width() == w && rgb.height() == h).then(|| rgb.into_raw())
}
