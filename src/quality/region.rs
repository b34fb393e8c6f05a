//! The face region in the quality frame (docs/pipeline.md §6.1): which pixels are face, and
//! the geometry helpers (polygons, polylines) the quality measures share.

use crate::constants::{FACE_OUTLINE, QUALITY_HEIGHT, QUALITY_WIDTH};
use crate::landmarks::{Landmarks68, Point};
use crate::raster::{Affine, Sampled};

/// The face in the quality frame, with its landmarks and its face mask.
pub struct AlignedFace<'a> {
    pub pixels: &'a Sampled,
    /// The 68 landmarks in quality-frame coordinates.
    pub landmarks: Landmarks68,
    /// `true` for pixels inside the mean face outline whose source lies inside the image.
    pub mask: Vec<bool>,
    /// `true` for pixels whose source lies inside the image.
    pub valid: Vec<bool>,
}

impl<'a> AlignedFace<'a> {
    /// `pixels` sampled through `image_to_aligned` (the quality frame); `size` the image's.
    pub fn new(pixels: &'a Sampled, image_landmarks: &Landmarks68, image_to_aligned: &Affine, size: [f32; 2]) -> Self {
        let landmarks = Landmarks68(
            image_landmarks
                .0
                .iter()
                .map(|p| {
                    let q = image_to_aligned.apply([p.x, p.y]);
                    Point::new(q[0], q[1])
                })
                .collect(),
        );
        let valid = source_inside(image_to_aligned, size);
        let outline: Vec<Point> = FACE_OUTLINE.iter().map(|p| Point::new(p[0], p[1])).collect();
        let mask = pixel_centres().zip(&valid).map(|(c, &v)| v && inside_polygon(&c, &outline)).collect();
        AlignedFace { pixels, landmarks, mask, valid }
    }

    pub fn mask_count(&self) -> usize {
        self.mask.iter().filter(|&&m| m).count()
    }
}

/// Centres of the quality frame's pixels, row by row.
pub fn pixel_centres() -> impl Iterator<Item = Point> {
    (0..QUALITY_WIDTH * QUALITY_HEIGHT)
        .map(|i| Point::new((i % QUALITY_WIDTH) as f32 + 0.5, (i / QUALITY_WIDTH) as f32 + 0.5))
}

fn source_inside(image_to_aligned: &Affine, size: [f32; 2]) -> Vec<bool> {
    let Some(inv) = image_to_aligned.inverse() else {
        return vec![false; QUALITY_WIDTH * QUALITY_HEIGHT];
    };
    pixel_centres()
        .map(|c| {
            let [x, y] = inv.apply([c.x, c.y]);
            x >= 0.0 && y >= 0.0 && x < size[0] && y < size[1]
        })
        .collect()
}

/// Even-odd point-in-polygon test.
pub fn inside_polygon(p: &Point, poly: &[Point]) -> bool {
    let mut inside = false;
    let mut j = poly.len().wrapping_sub(1);
    for i in 0..poly.len() {
        let (a, b) = (poly[i], poly[j]);
        if (a.y > p.y) != (b.y > p.y) && p.x < (b.x - a.x) * (p.y - a.y) / (b.y - a.y) + a.x {
            inside = !inside;
        }
        j = i;
    }
    inside
}

/// Distance from `p` to the segment `a`–`b`.
pub fn distance_to_segment(p: &Point, a: &Point, b: &Point) -> f32 {
    let (dx, dy) = (b.x - a.x, b.y - a.y);
    let len2 = dx * dx + dy * dy;
    let t = if len2 > 0.0 { (((p.x - a.x) * dx + (p.y - a.y) * dy) / len2).clamp(0.0, 1.0) } else { 0.0 };
    p.distance(&Point::new(a.x + t * dx, a.y + t * dy))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn polygon_and_segment_geometry() {
        let square = [Point::new(0.0, 0.0), Point::new(4.0, 0.0), Point::new(4.0, 4.0), Point::new(0.0, 4.0)];
        assert!(inside_polygon(&Point::new(2.0, 2.0), &square));
        assert!(!inside_polygon(&Point::new(5.0, 2.0), &square));
        let d = distance_to_segment(&Point::new(2.0, 3.0), &Point::new(0.0, 0.0), &Point::new(4.0, 0.0));
        assert!((d - 3.0).abs() < 1e-6);
    }
}
