//! Stage 7 — liveness (optional, off by default): a passive anti-spoofing score for a detected
//! face with fr_liveness (docs/pipeline.md §7). The score says how much the crop looks like a
//! live capture rather than a print or a screen; it is a signal, not a verdict.

use crate::constants::*;
use crate::detect::Detection;
use crate::error::Result;
use crate::model::Model;
use crate::raster::{sample_rgb, Affine, RgbImage};

/// The liveness crop: the box scaled 2.7x about its centre, shrunk to fit and shifted inside.
pub fn liveness_crop(det: &Detection, width: f32, height: f32) -> Affine {
    let (bw, bh) = (det.width().max(1.0), det.height().max(1.0));
    let scale = LIVENESS_BOX_SCALE.min((width - 1.0) / bw).min((height - 1.0) / bh).max(0.0);
    let (w, h) = (bw * scale, bh * scale);
    let [cx, cy] = det.center();
    let x0 = (cx - w / 2.0).max(0.0).min(width - w);
    let y0 = (cy - h / 2.0).max(0.0).min(height - h);
    Affine::crop([x0, y0], [w, h], LIVENESS_SIZE, LIVENESS_SIZE)
}

/// Live probability, 0–1.
pub fn liveness_score(model: &Model, img: &RgbImage, det: &Detection) -> Result<f32> {
    let crop = liveness_crop(det, img.width() as f32, img.height() as f32);
    let input = sample_rgb(img, &crop, LIVENESS_SIZE, LIVENESS_SIZE).to_planar(&[0, 1, 2], 0.0, 1.0);
    model.class_probability(input, LIVENESS_LIVE_CLASS, 3)
}
