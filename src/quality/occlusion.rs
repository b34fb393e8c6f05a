//! `face_occlusion`: the share of the face region that looks neither like this face's skin nor
//! like its eyes, brows and mouth (docs/pipeline.md §6.2).
//!
//! Model-free on purpose (no segmentation model ships with the vendor package): the skin colour
//! is learnt from seven patches of the face itself, so lighting and complexion do not matter, and
//! a median over the patches keeps one covered patch from moving it. Known limit: an occluder
//! of the face's own colour and brightness (a bare hand in the same light) is not counted.

use crate::constants::*;
use crate::landmarks::{Landmarks68, Point};
use crate::quality::region::{distance_to_segment, inside_polygon, pixel_centres, AlignedFace};

/// 0–1; 1 when nothing of the face can be seen (empty mask, no skin patch in the image).
pub fn face_occlusion(face: &AlignedFace) -> f32 {
    let total = face.mask_count();
    let ycc: Vec<[f32; 3]> = face.pixels.data.chunks_exact(3).map(|p| ycbcr([p[0], p[1], p[2]])).collect();
    let Some(reference) = skin_reference(face, &ycc).filter(|_| total > 0) else {
        return 1.0;
    };
    let zones = feature_zones(&face.landmarks);
    let accepted: Vec<bool> = zones
        .iter()
        .map(|zone| zone_looks_like_a_feature(zone, face, &ycc, reference[0]))
        .collect();
    let face_like = (0..ycc.len())
        .filter(|&i| face.mask[i])
        .filter(|&i| zones.iter().zip(&accepted).any(|(z, &ok)| ok && z[i]) || skin_like(ycc[i], reference))
        .count();
    1.0 - face_like as f32 / total as f32
}

/// Full-range BT.601 YCbCr.
pub fn ycbcr(rgb: [f32; 3]) -> [f32; 3] {
    let [r, g, b] = rgb;
    [
        0.299 * r + 0.587 * g + 0.114 * b,
        128.0 - 0.168736 * r - 0.331264 * g + 0.5 * b,
        128.0 + 0.5 * r - 0.418688 * g - 0.081312 * b,
    ]
}

fn skin_like(p: [f32; 3], reference: [f32; 3]) -> bool {
    (p[1] - reference[1]).abs() <= OCCLUSION_CHROMA_TOLERANCE
        && (p[2] - reference[2]).abs() <= OCCLUSION_CHROMA_TOLERANCE
        && p[0] >= OCCLUSION_LUMA_RATIO_MIN * reference[0]
        && p[0] <= OCCLUSION_LUMA_RATIO_MAX * reference[0]
}

/// Median over seven skin patches (forehead centre, left and right, nose bridge, both lower
/// cheeks, chin) of each patch's median (Y, Cb, Cr). Three covered patches out of seven do not
/// move it: a face mask covers the cheeks and chin, sunglasses the nose bridge, and the
/// forehead stays free in both.
fn skin_reference(face: &AlignedFace, ycc: &[[f32; 3]]) -> Option<[f32; 3]> {
    let lm = &face.landmarks;
    let (left_eye, right_eye) = (lm.image_left_eye(), lm.image_right_eye());
    let eyes = left_eye.midpoint(&right_eye);
    let brows = lm.get(19).midpoint(&lm.get(24));
    let forehead = Point::new(brows.x + 0.5 * (brows.x - eyes.x), brows.y + 0.5 * (brows.y - eyes.y));
    let across = Point::new(0.25 * (right_eye.x - left_eye.x), 0.25 * (right_eye.y - left_eye.y));
    let centres = [
        forehead,
        Point::new(forehead.x - across.x, forehead.y - across.y),
        Point::new(forehead.x + across.x, forehead.y + across.y),
        lm.get(28),
        lm.get(2).midpoint(&lm.get(31)),
        lm.get(14).midpoint(&lm.get(35)),
        lm.get(8).midpoint(&lm.get(57)),
    ];
    let medians: Vec<[f32; 3]> = centres.iter().filter_map(|c| patch_median(face, ycc, c)).collect();
    (!medians.is_empty()).then(|| [0, 1, 2].map(|k| median(medians.iter().map(|m| m[k]).collect())))
}

fn patch_median(face: &AlignedFace, ycc: &[[f32; 3]], centre: &Point) -> Option<[f32; 3]> {
    let half = (OCCLUSION_PATCH / 2) as i64;
    let (cx, cy) = (centre.x.floor() as i64, centre.y.floor() as i64);
    let (w, h) = (QUALITY_WIDTH as i64, QUALITY_HEIGHT as i64);
    let mut px = Vec::new();
    for y in (cy - half).max(0)..=(cy + half).min(h - 1) {
        for x in (cx - half).max(0)..=(cx + half).min(w - 1) {
            let i = (y * w + x) as usize;
            if face.valid[i] {
                px.push(ycc[i]);
            }
        }
    }
    (!px.is_empty()).then(|| [0, 1, 2].map(|k| median(px.iter().map(|p| p[k]).collect())))
}

/// Median; the mean of the middle two for an even count.
pub fn median(mut v: Vec<f32>) -> f32 {
    if v.is_empty() {
        return 0.0;
    }
    v.sort_by(f32::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

/// Eye, eye, mouth, brow, brow zones as per-pixel membership in the quality frame.
fn feature_zones(lm: &Landmarks68) -> Vec<Vec<bool>> {
    let grown_eye = |idx: std::ops::RangeInclusive<usize>| {
        let pts: Vec<Point> = idx.map(|i| lm.get(i)).collect();
        let c = Point::mean(&pts);
        pts.iter()
            .map(|p| Point::new(c.x + OCCLUSION_EYE_GROWTH * (p.x - c.x), c.y + OCCLUSION_EYE_GROWTH * (p.y - c.y)))
            .collect::<Vec<_>>()
    };
    let polygon_zone = |poly: Vec<Point>| pixel_centres().map(|c| inside_polygon(&c, &poly)).collect();
    let brow_zone = |idx: std::ops::RangeInclusive<usize>| {
        let pts: Vec<Point> = idx.map(|i| lm.get(i)).collect();
        pixel_centres()
            .map(|c| pts.windows(2).any(|s| distance_to_segment(&c, &s[0], &s[1]) <= OCCLUSION_BROW_THICKNESS / 2.0))
            .collect()
    };
    vec![
        polygon_zone(grown_eye(36..=41)),
        polygon_zone(grown_eye(42..=47)),
        polygon_zone((48..=59).map(|i| lm.get(i)).collect()),
        brow_zone(17..=21),
        brow_zone(22..=26),
    ]
}

fn zone_looks_like_a_feature(zone: &[bool], face: &AlignedFace, ycc: &[[f32; 3]], y_ref: f32) -> bool {
    let lumas: Vec<f32> = (0..ycc.len()).filter(|&i| zone[i] && face.mask[i]).map(|i| ycc[i][0]).collect();
    if lumas.is_empty() || y_ref <= 0.0 {
        return false;
    }
    let mean = lumas.iter().sum::<f32>() / lumas.len() as f32;
    (mean - y_ref).abs() <= OCCLUSION_FEATURE_LUMA_TOLERANCE * y_ref
}
