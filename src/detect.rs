//! Stage 2 — detect: faces as boxes in original-image pixels, with their probability.
//!
//! Letterboxes instead of squashing (a portrait photo's faces keep their shape), runs
//! score-sorted IoU NMS (the vendor sorted by the box's bottom edge), and retries once on a
//! black-padded canvas when nothing is found, which recovers faces in tight ID-photo crops.
//! See docs/pipeline.md §2.

use crate::constants::*;
use crate::error::{Error, Result};
use crate::model::Model;
use crate::raster::{sample_rgb, Affine, RgbImage};

/// A detected face box in image pixels (floats, not clipped: a face may leave the frame).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Detection {
    pub x1: f32,
    pub y1: f32,
    pub x2: f32,
    pub y2: f32,
    pub score: f32,
}

impl Detection {
    pub fn width(&self) -> f32 {
        self.x2 - self.x1
    }
    pub fn height(&self) -> f32 {
        self.y2 - self.y1
    }
    pub fn area(&self) -> f32 {
        self.width().max(0.0) * self.height().max(0.0)
    }
    pub fn center(&self) -> [f32; 2] {
        [(self.x1 + self.x2) / 2.0, (self.y1 + self.y2) / 2.0]
    }
    fn intersection(&self, other: &Detection) -> f32 {
        let w = (self.x2.min(other.x2) - self.x1.max(other.x1)).max(0.0);
        let h = (self.y2.min(other.y2) - self.y1.max(other.y1)).max(0.0);
        w * h
    }
    /// Intersection over union with another box (0 when either is empty).
    pub fn iou(&self, other: &Detection) -> f32 {
        let inter = self.intersection(other);
        ratio(inter, self.area() + other.area() - inter)
    }
    /// Intersection over the smaller box's area: 1 when one box lies inside the other.
    pub fn containment(&self, other: &Detection) -> f32 {
        ratio(self.intersection(other), self.area().min(other.area()))
    }
}

fn ratio(num: f32, den: f32) -> f32 {
    if den > 0.0 {
        num / den
    } else {
        0.0
    }
}

/// Detection options (CompreFace's names).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DetectOptions {
    /// Minimum face probability, in [0, 1].
    pub det_prob_threshold: f32,
    /// Keep at most this many faces, the largest first; `None` keeps all.
    pub limit: Option<usize>,
}

impl Default for DetectOptions {
    fn default() -> Self {
        DetectOptions { det_prob_threshold: DEFAULT_DET_PROB_THRESHOLD, limit: None }
    }
}

impl DetectOptions {
    pub fn validate(&self) -> Result<()> {
        let t = self.det_prob_threshold;
        if !(0.0..=1.0).contains(&t) || t.is_nan() {
            return Err(Error::invalid_argument(format!("det_prob_threshold must be in [0, 1], got {t}")));
        }
        if self.limit == Some(0) {
            return Err(Error::invalid_argument("limit must be at least 1 (omit it for no limit)"));
        }
        Ok(())
    }
}

/// Finds faces, largest first.
pub fn detect(model: &Model, img: &RgbImage, opts: &DetectOptions) -> Result<Vec<Detection>> {
    detect_with_retry(model, img, opts, true)
}

/// [`detect`] for camera frames: no padded tight-crop retry. A camera frame is never a tight
/// ID crop, and the retry doubled the cost of every frame with nobody in view.
pub fn detect_frame(model: &Model, img: &RgbImage, opts: &DetectOptions) -> Result<Vec<Detection>> {
    detect_with_retry(model, img, opts, false)
}

fn detect_with_retry(model: &Model, img: &RgbImage, opts: &DetectOptions, retry: bool) -> Result<Vec<Detection>> {
    opts.validate()?;
    let (w, h) = (img.width() as f32, img.height() as f32);
    let mut faces = detect_in_window(model, img, [0.0, 0.0], [w, h], opts.det_prob_threshold)?;
    if faces.is_empty() && retry {
        let pad = [w * TIGHT_CROP_PAD, h * TIGHT_CROP_PAD];
        let window = [w + 2.0 * pad[0], h + 2.0 * pad[1]];
        faces = detect_in_window(model, img, [-pad[0], -pad[1]], window, opts.det_prob_threshold)?;
    }
    faces.sort_by(|a, b| b.area().total_cmp(&a.area()).then(b.score.total_cmp(&a.score)));
    if let Some(limit) = opts.limit {
        faces.truncate(limit);
    }
    Ok(faces)
}

/// Runs the detector on the window `origin .. origin + size` of the image (a window larger
/// than the image pads it with black), letterboxed into the model's input.
fn detect_in_window(
    model: &Model,
    img: &RgbImage,
    origin: [f32; 2],
    size: [f32; 2],
    threshold: f32,
) -> Result<Vec<Detection>> {
    let s = (DETECT_WIDTH as f32 / size[0]).min(DETECT_HEIGHT as f32 / size[1]);
    let m = Affine([[1.0 / s, 0.0, origin[0]], [0.0, 1.0 / s, origin[1]]]);
    let input = sample_rgb(img, &m, DETECT_WIDTH, DETECT_HEIGHT).to_planar(&[0, 1, 2], DETECT_MEAN, DETECT_SCALE);
    let outputs = model.run(input)?;
    let (scores, boxes) = match outputs.as_slice() {
        [scores, boxes, ..] => (scores, boxes),
        _ => return Err(Error::inference("fr_detect", "expected scores and boxes outputs")),
    };
    let candidates = scores
        .chunks_exact(2)
        .zip(boxes.chunks_exact(4))
        .filter(|(p, _)| p[1] >= threshold)
        .map(|(p, b)| Detection {
            x1: b[0] * DETECT_WIDTH as f32 / s + origin[0],
            y1: b[1] * DETECT_HEIGHT as f32 / s + origin[1],
            x2: b[2] * DETECT_WIDTH as f32 / s + origin[0],
            y2: b[3] * DETECT_HEIGHT as f32 / s + origin[1],
            score: p[1],
        })
        .collect();
    Ok(non_max_suppression(candidates))
}

/// Greedy NMS: highest score first (stable for ties); drops a box that overlaps a kept one
/// (IoU above [`NMS_IOU_THRESHOLD`]) or lies mostly inside it or around it (containment above
/// [`NMS_CONTAINMENT_THRESHOLD`]: an eye detected inside a face).
pub fn non_max_suppression(mut candidates: Vec<Detection>) -> Vec<Detection> {
    candidates.sort_by(|a, b| b.score.total_cmp(&a.score));
    let mut kept: Vec<Detection> = Vec::new();
    for c in candidates {
        if kept.iter().all(|k| k.iou(&c) <= NMS_IOU_THRESHOLD && k.containment(&c) <= NMS_CONTAINMENT_THRESHOLD) {
            kept.push(c);
        }
    }
    kept
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b(x1: f32, y1: f32, x2: f32, y2: f32, score: f32) -> Detection {
        Detection { x1, y1, x2, y2, score }
    }

    #[test]
    fn nms_keeps_the_best_of_overlapping_boxes_not_the_lowest() {
        let kept = non_max_suppression(vec![
            b(0.0, 0.0, 10.0, 12.0, 0.7),
            b(1.0, 1.0, 11.0, 11.0, 0.9),
            b(50.0, 50.0, 60.0, 60.0, 0.8),
        ]);
        assert_eq!(kept.len(), 2);
        assert_eq!(kept[0].score, 0.9);
        assert_eq!(kept[1].score, 0.8);
    }

    #[test]
    fn nms_drops_an_eye_detected_inside_a_face() {
        let face = b(0.0, 0.0, 100.0, 120.0, 0.99);
        let eye = b(20.0, 30.0, 45.0, 50.0, 0.85); // IoU ≈ 0.04, but wholly inside the face
        assert_eq!(non_max_suppression(vec![eye, face]), vec![face]);
        let neighbour = b(90.0, 0.0, 190.0, 120.0, 0.9); // touches, another face
        assert_eq!(non_max_suppression(vec![face, neighbour]).len(), 2);
    }

    #[test]
    fn iou_of_disjoint_and_identical_boxes() {
        let a = b(0.0, 0.0, 10.0, 10.0, 1.0);
        assert_eq!(a.iou(&a), 1.0);
        assert_eq!(a.iou(&b(20.0, 20.0, 30.0, 30.0, 1.0)), 0.0);
        assert_eq!(b(0.0, 0.0, 0.0, 0.0, 1.0).iou(&a), 0.0);
    }

    #[test]
    fn options_reject_out_of_range_values() {
        let bad = DetectOptions { det_prob_threshold: 1.5, limit: None };
        assert_eq!(bad.validate().unwrap_err().code.as_str(), "INVALID_ARGUMENT");
        let nan = DetectOptions { det_prob_threshold: f32::NAN, limit: None };
        assert!(nan.validate().is_err());
        let zero = DetectOptions { limit: Some(0), ..Default::default() };
        assert!(zero.validate().is_err());
    }
}
