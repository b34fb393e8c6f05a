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

/// Runs fr_landmark on one detection, on the crop and on its mirror image, and averages the
/// two (the mirrored prediction re-indexed with [`MIRROR`]). The model alone is not
/// mirror-symmetric (head pitch moved 4° between a photo and its mirror image); the average
/// is, by construction, and it halves the landmark noise for one 2 ms model run.
pub fn landmarks(model: &Model, img: &RgbImage, det: &Detection) -> Result<Landmarks68> {
    if !det.height().is_finite() || det.height() <= 0.0 {
        return Err(Error::invalid_argument("face box has no height"));
    }
    let crop = landmark_crop(det);
    let [[sx, _, ox], [_, sy, oy]] = crop.0;
    let mirrored = Affine([[-sx, 0.0, ox + sx * LANDMARK_SIZE as f32], [0.0, sy, oy]]);
    let direct = run_landmark_model(model, img, &crop)?;
    let flipped = run_landmark_model(model, img, &mirrored)?;
    let side = det.height();
    Ok(Landmarks68(
        (0..LANDMARK_COUNT)
            .map(|i| {
                let (a, b) = (direct[i], flipped[MIRROR[i]]);
                let (x, y) = ((a[0] + (1.0 - b[0])) / 2.0, (a[1] + b[1]) / 2.0);
                Point::new(ox + x * side, oy + y * side)
            })
            .collect(),
    ))
}

/// The 68 points normalised to the crop `m` describes.
fn run_landmark_model(model: &Model, img: &RgbImage, m: &Affine) -> Result<Vec<[f32; 2]>> {
    let input = sample_rgb(img, m, LANDMARK_SIZE, LANDMARK_SIZE).to_gray().to_planar(&[0], 0.0, LANDMARK_SCALE);
    let outputs = model.run(input)?;
    let raw = outputs
        .first()
        .filter(|o| o.len() == LANDMARK_COUNT * 2)
        .ok_or_else(|| Error::inference("fr_landmark", "expected 136 outputs"))?;
    Ok(raw.chunks_exact(2).map(|p| [p[0], p[1]]).collect())
}

/// iBUG-68 left/right correspondence: point `i` of a face is point `MIRROR[i]` of its mirror
/// image (jaw, brows, nose, eyes, lips; points on the midline map to themselves).
pub const MIRROR: [usize; 68] = [
    16, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0, // jaw
    26, 25, 24, 23, 22, 21, 20, 19, 18, 17, // brows
    27, 28, 29, 30, 35, 34, 33, 32, 31, // nose
    45, 44, 43, 42, 47, 46, 39, 38, 37, 36, 41, 40, // eyes
    54, 53, 52, 51, 50, 49, 48, 59, 58, 57, 56, 55, // outer lips
    64, 63, 62, 61, 60, 67, 66, 65, // inner lips
];

#[cfg(test)]
mod tests {
    use super::MIRROR;

    #[test]
    fn mirror_is_an_involution() {
        for i in 0..68 {
            assert_eq!(MIRROR[MIRROR[i]], i, "point {i}");
        }
    }
}
