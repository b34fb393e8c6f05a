//! Stage 3 — landmarks: the 68 iBUG points of a detected face, as float image coordinates,
//! and the 5 points the alignment uses. See docs/pipeline.md §3.
//!
//! Points are kept as floats (the vendor truncated them to integers) and may lie outside the
//! image when the face does.

use serde::{Deserialize, Serialize};

use crate::constants::*;
use crate::detect::Detection;
use crate::error::{Error, Result};
use crate::model::Model;
use crate::raster::{sample_rgb, Affine, RgbImage};

/// A point in image pixels (the face schema's `{"x", "y"}`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Point {
    pub x: f32,
    pub y: f32,
}

impl Point {
    pub fn new(x: f32, y: f32) -> Self {
        Point { x, y }
    }
    pub fn distance(&self, other: &Point) -> f32 {
        (self.x - other.x).hypot(self.y - other.y)
    }
    pub fn mean(points: &[Point]) -> Point {
        let n = points.len().max(1) as f32;
        let (sx, sy) = points.iter().fold((0.0, 0.0), |(sx, sy), p| (sx + p.x, sy + p.y));
        Point::new(sx / n, sy / n)
    }
    pub fn midpoint(&self, other: &Point) -> Point {
        Point::new((self.x + other.x) / 2.0, (self.y + other.y) / 2.0)
    }
}

/// The 68 points of one face, iBUG order (0-based): jaw 0–16, brows 17–26, nose 27–35, eye on
/// the image's left 36–41, eye on the image's right 42–47, outer lips 48–59, inner lips 60–67.
#[derive(Debug, Clone, PartialEq)]
pub struct Landmarks68(pub Vec<Point>);

impl Landmarks68 {
    pub fn get(&self, i: usize) -> Point {
        self.0.get(i).copied().unwrap_or(Point::new(0.0, 0.0))
    }
    fn mean_of(&self, idx: &[usize]) -> Point {
        Point::mean(&idx.iter().map(|&i| self.get(i)).collect::<Vec<_>>())
    }
    /// Centre of the eye on the image's left (the subject's right eye).
    pub fn image_left_eye(&self) -> Point {
        self.mean_of(&[36, 37, 38, 39, 40, 41])
    }
    /// Centre of the eye on the image's right (the subject's left eye).
    pub fn image_right_eye(&self) -> Point {
        self.mean_of(&[42, 43, 44, 45, 46, 47])
    }
    /// The five alignment points in the ArcFace template's order.
    pub fn five_points(&self) -> [Point; 5] {
        [
            self.image_left_eye(),
            self.image_right_eye(),
            self.get(30),
            self.get(48).midpoint(&self.get(60)),
            self.get(54).midpoint(&self.get(64)),
        ]
    }
}

/// The square crop the landmark model sees: side = box height, centred on the box.
pub fn landmark_crop(det: &Detection) -> Affine {
    let side = det.height();
    let [cx, cy] = det.center();
    Affine::crop([cx - side / 2.0, cy - side / 2.0], [side, side], LANDMARK_SIZE, LANDMARK_SIZE)
}

/// Runs fr_landmark on one detection.
pub fn landmarks(model: &Model, img: &RgbImage, det: &Detection) -> Result<Landmarks68> {
    if !(det.height() > 0.0) || !det.height().is_finite() {
        return Err(Error::invalid_argument("face box has no height"));
    }
    let crop = landmark_crop(det);
    let input = sample_rgb(img, &crop, LANDMARK_SIZE, LANDMARK_SIZE)
        .to_gray()
        .to_planar(&[0], 0.0, LANDMARK_SCALE);
    let outputs = model.run(input)?;
    let raw = outputs
        .first()
        .filter(|o| o.len() == LANDMARK_COUNT * 2)
        .ok_or_else(|| Error::inference("fr_landmark", "expected 136 outputs"))?;
    let side = det.height();
    let origin = crop.apply([0.0, 0.0]);
    Ok(Landmarks68(
        raw.chunks_exact(2).map(|p| Point::new(origin[0] + p[0] * side, origin[1] + p[1] * side)).collect(),
    ))
}
