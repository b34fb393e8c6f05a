//! The card's main portrait, and which way up the card is read.
//!
//! The face detector runs on the rectified card only. The main portrait is the most certain
//! portrait-sized face on the card; the ghost image (about 40 % of its size, faded) and any
//! other face go to `ghost_faces`. A face is taken for the portrait only when it is plausible:
//! at least 22 % of the card's height, upright (eyes above the mouth), its box within one half
//! of the card, and (still path) not a sideways face — so a photo lying on the desk whose outline
//! was taken for a card never gives the portrait. A card is read with its long side horizontal;
//! of the two readings 180° apart, the still path compares both (a plausible portrait, then one
//! on the left as read, then the detector's score); the live path stops on a sure one.

use crate::constants::DEFAULT_DET_PROB_THRESHOLD;
use crate::detect::{detect, detect_frame, DetectOptions, Detection};
use crate::error::Result;
use crate::landmarks::{landmarks, Landmarks68};
use crate::pipeline::{AnalyzeOptions, Likeness};
use crate::raster::RgbImage;

use super::card::turned;
use super::quality::{glare_share, glare_share_in, print_of};
use super::rectify::{rectify, Homography};
use super::{CardQuad, Portrait, Quad};

/// What one document pass found.
#[derive(Debug, Default)]
pub(crate) struct Found {
    pub quad: Option<CardQuad>,
    pub card: Option<RgbImage>,
    pub portrait: Option<Portrait>,
    pub ghosts: Vec<[f32; 4]>,
    pub area_glare: f32,
}

/// A reading of the card: its corners, the flat card and the faces found on it.
struct Reading {
    quad: CardQuad,
    card: RgbImage,
    to_frame: Homography,
    faces: Vec<Detection>,
    main: Option<Landmarks68>,
    /// The first face is a plausible main portrait: portrait-sized, upright (eyes above the
    /// mouth), its box within one half of the card.
    valid: bool,
    /// ... and on the left half as read (ICAO 9303-like layouts).
    left: bool,
}

impl Reading {
    fn best_score(&self) -> f32 {
        self.faces.first().map_or(0.0, |d| d.score)
    }

    /// Which of two readings wins: a plausible portrait, then one on the left as read, then
    /// the detector's score.
    fn key(&self) -> f32 {
        (self.valid as u8 as f32) * 4.0 + ((self.valid && self.left) as u8 as f32) * 2.0 + self.best_score()
    }
}

/// The main portrait's face box is at least this share of the card's height (ICAO-like layouts:
/// the printed photo is ~0.6 of it, its face box ~0.4; the ghost's face box ~0.15).
const MIN_PORTRAIT_HEIGHT_SHARE: f32 = 0.22;

/// The portrait lies in one half of the card: its face box may overlap the middle line by at
/// most this share of the card's width (a photo lying on the desk taken for a card has its face
/// in the middle).
const PORTRAIT_HALF_OVERLAP: f32 = 0.05;

/// A detection whose score makes it an unambiguous face: the live path tries no second reading.
const SURE_FACE: f32 = 0.9;

/// The portrait on one card candidate, in the reading where it is plausible (see `Reading::key`).
/// The still path always reads both ways (an upside-down face can be detected with a high score
/// and landmarks that look upright); the live path stops on a sure, plausible face.
fn choose_reading(sdk: &Likeness, img: &RgbImage, quad: &CardQuad, still: bool) -> Result<Reading> {
    let mut best: Option<Reading> = None;
    for corners in [quad.corners, turned(&quad.corners)] {
        let reading = read(sdk, img, &CardQuad { corners, ..*quad }, still)?;
        let sure = !still && reading.valid && reading.left && reading.best_score() >= SURE_FACE;
        best = Some(match best {
            Some(b) if b.key() >= reading.key() => b,
            _ => reading,
        });
        if sure {
            break;
        }
    }
    let mut best = match best {
        Some(b) => b,
        None => read(sdk, img, quad, still)?,
    };
    // A face sideways in one reading is sideways in the other: checked once, on the winner.
    if still && best.valid {
        let opts = DetectOptions { det_prob_threshold: DEFAULT_DET_PROB_THRESHOLD, limit: None };
        if let Some(d) = best.faces.first() {
            if sideways(sdk, &best.card, d, &opts)? {
                best.valid = false;
            }
        }
    }
    Ok(best)
}

/// The portrait on the first candidate (best first) whose reading shows a plausible main
/// portrait; when none does, the first candidate without a portrait. A face that is not a
/// plausible portrait (sideways, upside down, small, in the middle of the quad: a photo lying
/// on the desk) is never returned.
pub(crate) fn find_portrait_among(sdk: &Likeness, img: &RgbImage, quads: &[CardQuad], embedding: bool, still: bool) -> Result<Found> {
    let mut first: Option<Reading> = None;
    for quad in quads {
        let r = choose_reading(sdk, img, quad, still)?;
        if r.valid {
            return finish(sdk, r, embedding);
        }
        if first.is_none() {
            first = Some(r);
        }
    }
    match first {
        Some(r) => finish(sdk, r, embedding),
        None => Ok(Found::default()),
    }
}

/// [`find_portrait_among`] for one card.
pub(crate) fn find_portrait(sdk: &Likeness, img: &RgbImage, quad: &CardQuad, embedding: bool, still: bool) -> Result<Found> {
    find_portrait_among(sdk, img, std::slice::from_ref(quad), embedding, still)
}

fn finish(sdk: &Likeness, r: Reading, embedding: bool) -> Result<Found> {
    let (portrait, ghosts, area_glare) = match (r.valid, r.faces.first(), r.main) {
        (true, Some(det), Some(lm)) => {
            let opts = AnalyzeOptions { embedding, ..AnalyzeOptions::default() };
            let face = sdk.analyze_landmarks(&r.card, det, lm, &opts)?;
            let portrait = describe(&r.card, &r.to_frame, face);
            let ghosts = r.faces.iter().skip(1).map(|d| [d.x1, d.y1, d.x2, d.y2]).collect();
            (Some(portrait), ghosts, 0.0)
        }
        _ => (None, Vec::new(), expected_area_glare(&r.card)),
    };
    Ok(Found { quad: Some(r.quad), card: Some(r.card), portrait, ghosts, area_glare })
}

fn read(sdk: &Likeness, img: &RgbImage, quad: &CardQuad, still: bool) -> Result<Reading> {
    let (card, to_frame) = rectify(img, quad)?;
    let opts = DetectOptions { det_prob_threshold: DEFAULT_DET_PROB_THRESHOLD, limit: None };
    let mut faces = if still { detect(&sdk.models.detect, &card, &opts)? } else { detect_frame(&sdk.models.detect, &card, &opts)? };
    let (cw, ch) = (card.width() as f32, card.height() as f32);
    main_first(&mut faces, ch);
    let (main, valid, left) = match faces.first() {
        Some(d) => {
            let lm = landmarks(&sdk.models.landmark, &card, d)?;
            let sized = d.height() >= MIN_PORTRAIT_HEIGHT_SHARE * ch;
            let left = d.x2 <= (0.5 + PORTRAIT_HALF_OVERLAP) * cw;
            let right = d.x1 >= (0.5 - PORTRAIT_HALF_OVERLAP) * cw;
            let valid = sized && (left || right) && looks_upright(&lm, d);
            (Some(lm), valid, left)
        }
        None => (None, false, false),
    };
    Ok(Reading { quad: *quad, card, to_frame, faces, main, valid, left })
}

/// A face lying sideways on this reading (a photo on the desk whose outline was taken for a
/// card turned by 90°): the detector also answers for a sideways face, with a partial box and
/// landmarks fitted upright, but scores it higher once the region is turned upright. Detects on
/// the square region around the box (1.6x its size) turned by 0, 90 and 270°. Still path only
/// (three more detections; a live frame's portrait only guides, the kept frame is analysed again).
fn sideways(sdk: &Likeness, card: &RgbImage, d: &Detection, opts: &DetectOptions) -> Result<bool> {
    let side = 1.6 * d.width().max(d.height());
    let c = [(d.x1 + d.x2) / 2.0, (d.y1 + d.y2) / 2.0];
    let best = |quarter: u8| -> Result<f32> {
        let Some(crop) = turned_crop(card, c, side, quarter) else { return Ok(0.0) };
        Ok(detect(&sdk.models.detect, &crop, opts)?.iter().filter(|f| f.height() >= 0.3 * crop.height() as f32).map(|f| f.score).fold(0.0, f32::max))
    };
    let up = best(0)?;
    let turned = best(1)?.max(best(3)?);
    Ok(turned >= SIDEWAYS_SURE && turned - up >= SIDEWAYS_MARGIN)
}

/// A face is sideways when a turned crop is a sure face (≥ `SIDEWAYS_SURE`) and scores this
/// much above the upright crop. The detector is fairly tolerant of rotation: printed portraits
/// turned by 90° still score 0.97–0.99 (measured on the generator's cards), so only a sure
/// turned face against a doubtful upright one counts (the desk photo of tests/document.rs:
/// 0.94 upright, 1.00 turned).
const SIDEWAYS_MARGIN: f32 = 0.05;
const SIDEWAYS_SURE: f32 = 0.99;

/// The square of `side` px around `c` on `img` turned by `quarter` x 90° (clockwise), resampled to
/// at most 224 px (nearest pixel: the detector needs no more), grey outside.
fn turned_crop(img: &RgbImage, c: [f32; 2], side: f32, quarter: u8) -> Option<RgbImage> {
    if !(side.is_finite() && side >= 8.0 && c[0].is_finite() && c[1].is_finite()) {
        return None;
    }
    let n = (side.round() as u32).clamp(32, 224);
    let step = side / n as f32;
    let mut data = Vec::with_capacity((n * n * 3) as usize);
    for oy in 0..n {
        for ox in 0..n {
            // Output (u, v) in -0.5..0.5 turned back to the source.
            let (u, v) = ((ox as f32 + 0.5) * step - side / 2.0, (oy as f32 + 0.5) * step - side / 2.0);
            let (sx, sy) = match quarter % 4 {
                0 => (u, v),
                1 => (v, -u),
                2 => (-u, -v),
                _ => (-v, u),
            };
            let p = img.pixel((c[0] + sx).floor() as i64, (c[1] + sy).floor() as i64).unwrap_or([128, 128, 128]);
            data.extend_from_slice(&p);
        }
    }
    RgbImage::from_raw(n, n, data)
}

/// Puts the main portrait first: of the portrait-sized faces (at least
/// `MIN_PORTRAIT_HEIGHT_SHARE` of the card's height), the most certain one. Not simply the
/// largest: on printed cards the detector also gives a larger box of lower score beside the
/// portrait, over the text (measured: LFW cards whose "largest face" was a 0.96 box over the
/// fields next to the 1.0 portrait, 41 of 577 typical shots with a genuine score < 0.3).
fn main_first(faces: &mut [Detection], card_h: f32) {
    let sized = |d: &Detection| d.height() >= MIN_PORTRAIT_HEIGHT_SHARE * card_h;
    let best = faces
        .iter()
        .enumerate()
        .filter(|(_, d)| sized(d))
        .max_by(|a, b| a.1.score.total_cmp(&b.1.score).then(b.0.cmp(&a.0)))
        .map(|(i, _)| i);
    if let Some(i) = best {
        faces[..=i].rotate_right(1);
    }
}

/// Eyes above the mouth, the eye line within 45° of horizontal, both inside the box.
fn looks_upright(lm: &Landmarks68, d: &Detection) -> bool {
    let five = lm.five_points();
    let eyes = five[0].midpoint(&five[1]);
    let mouth = five[3].midpoint(&five[4]);
    let (dx, dy) = (mouth.x - eyes.x, mouth.y - eyes.y);
    let inside = |p: &crate::landmarks::Point| p.x >= d.x1 && p.x <= d.x2 && p.y >= d.y1 && p.y <= d.y2;
    dy > 0.0 && dx.abs() < dy && inside(&eyes) && inside(&mouth)
}

fn describe(card: &RgbImage, to_frame: &Homography, face: crate::face::Face) -> Portrait {
    let b = [face.x1, face.y1, face.x2, face.y2];
    let map = |p: [f32; 2]| to_frame.apply(p).unwrap_or(p);
    let box_in_frame: Quad = [map([b[0], b[1]]), map([b[2], b[1]]), map([b[2], b[3]]), map([b[0], b[3]])];
    let eye = |i: usize| face.landmark_5.get(i).map(|p| map([p.x, p.y]));
    let eye_dist_frame = match (eye(0), eye(1)) {
        (Some(a), Some(c)) => (a[0] - c[0]).hypot(a[1] - c[1]),
        _ => 0.0,
    };
    // The face itself (the box's inner part): a white background or collar at the box's rim
    // is not glare, and glare on the face is what spoils a comparison.
    let glare = glare_share(card, b);
    let (print, _) = print_of(card, b);
    Portrait { box_in_card: b, box_in_frame, eye_dist_frame, sharpness: face.sharpness, glare, print, face }
}

/// Where the portrait sits on most cards (ICAO 9303-like layouts: x 0.04–0.33, y 0.20–0.83 of
/// the card), in both readings: the glare there when no face was found.
fn expected_area_glare(card: &RgbImage) -> f32 {
    let (w, h) = (card.width() as f32, card.height() as f32);
    let left = [0.04 * w, 0.20 * h, 0.33 * w, 0.83 * h];
    let right = [w - left[2], h - left[3], w - left[0], h - left[1]];
    glare_share_in(card, left, left).max(glare_share_in(card, right, right))
}
