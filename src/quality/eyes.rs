//! Eye closed probability with fr_eye (docs/pipeline.md §6): a 24x24 gray square around each
//! eye, sized from the eye's corner-to-corner width.

use crate::constants::*;
use crate::error::Result;
use crate::landmarks::{Landmarks68, Point};
use crate::model::Model;
use crate::raster::{sample_rgb, Affine, RgbImage};

/// Which eye, in the subject's terms (seed 004's `left_eye_closed` is the subject's left).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Eye {
    SubjectLeft,
    SubjectRight,
}

impl Eye {
    /// (outer/inner corners, the four lid points) in iBUG indices. The subject's left eye is
    /// on the image's right: points 42–47.
    fn points(self) -> ([usize; 2], [usize; 4]) {
        match self {
            Eye::SubjectLeft => ([42, 45], [43, 44, 46, 47]),
            Eye::SubjectRight => ([36, 39], [37, 38, 40, 41]),
        }
    }
}

/// The square the eye model sees.
pub fn eye_crop(lm: &Landmarks68, eye: Eye) -> Affine {
    let (corners, lids) = eye.points();
    let centre = Point::mean(&lids.map(|i| lm.get(i)));
    let side = EYE_CROP_RATIO * lm.get(corners[0]).distance(&lm.get(corners[1]));
    Affine::crop([centre.x - side / 2.0, centre.y - side / 2.0], [side, side], EYE_SIZE, EYE_SIZE)
}

/// Probability (0–1) that `eye` is closed.
pub fn eye_closed_probability(model: &Model, img: &RgbImage, lm: &Landmarks68, eye: Eye) -> Result<f32> {
    let input = sample_rgb(img, &eye_crop(lm, eye), EYE_SIZE, EYE_SIZE).to_gray().to_planar(&[0], 0.0, EYE_SCALE);
    model.class_probability(input, EYE_CLOSED_CLASS, 2)
}
