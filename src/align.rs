//! Stage 4 — align: the least-squares similarity transform (rotation, uniform scale,
//! translation; no shear, no reflection) taking the 5 landmarks onto the ArcFace template,
//! and the 112x112 warp. See docs/pipeline.md §4.
//!
//! The vendor fitted an exact affine on 3 points, which shears faces; a similarity on all 5
//! points is what the embedding model was trained with.

use crate::constants::*;
use crate::error::{Error, Result};
use crate::landmarks::Point;
use crate::raster::{sample_rgb, Affine, RgbImage, Sampled};

/// The similarity mapping `src` onto `dst` in the least-squares sense (Umeyama 1991; in 2D the
/// optimum has the closed form below, and it never reflects).
pub fn similarity_transform(src: &[Point], dst: &[Point]) -> Result<Affine> {
    if src.len() != dst.len() || src.len() < 2 {
        return Err(Error::invalid_argument("similarity transform needs two matching point sets"));
    }
    let (ms, md) = (Point::mean(src), Point::mean(dst));
    let (mut dot, mut cross, mut norm) = (0.0f64, 0.0f64, 0.0f64);
    for (p, q) in src.iter().zip(dst) {
        let (px, py) = ((p.x - ms.x) as f64, (p.y - ms.y) as f64);
        let (qx, qy) = ((q.x - md.x) as f64, (q.y - md.y) as f64);
        dot += px * qx + py * qy;
        cross += px * qy - py * qx;
        norm += px * px + py * py;
    }
    if norm.is_nan() || norm <= 1e-9 {
        return Err(Error::invalid_argument("landmarks are degenerate (all at one point)"));
    }
    let (a, b) = ((dot / norm) as f32, (cross / norm) as f32);
    let tx = md.x - (a * ms.x - b * ms.y);
    let ty = md.y - (b * ms.x + a * ms.y);
    Ok(Affine([[a, -b, tx], [b, a, ty]]))
}

/// The transform from image coordinates to the 112x112 aligned frame.
pub fn alignment(five: &[Point; 5]) -> Result<Affine> {
    let template: Vec<Point> = ARCFACE_TEMPLATE.iter().map(|p| Point::new(p[0], p[1])).collect();
    similarity_transform(five, &template)
}

/// The aligned face: 112x112 RGB floats, black where the face leaves the image.
pub fn warp_aligned(img: &RgbImage, image_to_aligned: &Affine) -> Result<Sampled> {
    let inverse = image_to_aligned
        .inverse()
        .ok_or_else(|| Error::invalid_argument("alignment transform is singular"))?;
    Ok(sample_rgb(img, &inverse, ALIGNED_SIZE, ALIGNED_SIZE))
}

/// The transform from image coordinates to the quality frame (docs/pipeline.md §6.1): the eye
/// centres onto the template's eyes, nothing else, so that covering the mouth or the nose does
/// not move the frame.
pub fn quality_frame(five: &[Point; 5]) -> Result<Affine> {
    let template: Vec<Point> = ARCFACE_TEMPLATE[..2].iter().map(|p| Point::new(p[0], p[1])).collect();
    similarity_transform(&five[..2], &template)
}

/// The face in the quality frame: QUALITY_WIDTH x QUALITY_HEIGHT RGB floats.
pub fn warp_quality(img: &RgbImage, image_to_quality: &Affine) -> Result<Sampled> {
    let inverse = image_to_quality
        .inverse()
        .ok_or_else(|| Error::invalid_argument("quality frame transform is singular"))?;
    Ok(sample_rgb(img, &inverse, QUALITY_WIDTH, QUALITY_HEIGHT))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recovers_a_known_similarity() {
        let truth = Affine([[0.8, -0.6, 10.0], [0.6, 0.8, -5.0]]);
        let src: Vec<Point> = [[1.0, 2.0], [30.0, 4.0], [15.0, 20.0], [5.0, 33.0], [28.0, 35.0]]
            .iter()
            .map(|p| Point::new(p[0], p[1]))
            .collect();
        let dst: Vec<Point> = src.iter().map(|p| truth.apply([p.x, p.y])).map(|q| Point::new(q[0], q[1])).collect();
        let fit = similarity_transform(&src, &dst).expect("fits");
        for (r, t) in fit.0.iter().flatten().zip(truth.0.iter().flatten()) {
            assert!((r - t).abs() < 1e-4, "{fit:?} vs {truth:?}");
        }
    }

    #[test]
    fn degenerate_points_are_an_error_not_nan() {
        let same = vec![Point::new(3.0, 3.0); 5];
        assert!(similarity_transform(&same, &same).is_err());
    }
}
