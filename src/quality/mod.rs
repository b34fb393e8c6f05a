//! Stage 6 — quality: the capture measures of seed 004's face object and the ICAO-inspired
//! checks built on them (docs/pipeline.md §6). Every measure is computed from the landmarks and
//! the aligned face the earlier stages already produced; only the eyes need a model run.

pub mod eyes;
pub mod occlusion;
pub mod pose;
pub mod region;

use serde::Serialize;

use crate::constants::*;
use crate::landmarks::Landmarks68;
use region::AlignedFace;

/// The measures of one face (names and units as in seed 004).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Measures {
    pub eye_dist: f32,
    pub face_luminance: f32,
    pub face_occlusion: f32,
    pub left_eye_closed: f32,
    pub right_eye_closed: f32,
    pub mouth_opened: f32,
    pub yaw: f32,
    pub pitch: f32,
    pub roll: f32,
    pub sharpness: f32,
}

/// A failed capture check, by its stable name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Check {
    TooSmall,
    TooDark,
    TooBright,
    Blurred,
    EyesClosed,
    MouthOpen,
    OffPose,
    Occluded,
}

impl Check {
    pub fn as_str(self) -> &'static str {
        match self {
            Check::TooSmall => "too_small",
            Check::TooDark => "too_dark",
            Check::TooBright => "too_bright",
            Check::Blurred => "blurred",
            Check::EyesClosed => "eyes_closed",
            Check::MouthOpen => "mouth_open",
            Check::OffPose => "off_pose",
            Check::Occluded => "occluded",
        }
    }
}

/// The checks counted by `face_quality`: brightness (dark or bright) is one of seven.
const CHECK_COUNT: usize = 7;

/// The failed checks, in a fixed order.
pub fn failed_checks(m: &Measures) -> Vec<Check> {
    let rules = [
        (m.eye_dist < MIN_EYE_DIST, Check::TooSmall),
        (m.face_luminance < MIN_LUMINANCE, Check::TooDark),
        (m.face_luminance > MAX_LUMINANCE, Check::TooBright),
        (m.sharpness < MIN_SHARPNESS, Check::Blurred),
        (m.left_eye_closed > MAX_EYE_CLOSED || m.right_eye_closed > MAX_EYE_CLOSED, Check::EyesClosed),
        (m.mouth_opened > MAX_MOUTH_OPENED, Check::MouthOpen),
        (m.yaw.abs() > MAX_ABS_YAW || m.pitch.abs() > MAX_ABS_PITCH || m.roll.abs() > MAX_ABS_ROLL, Check::OffPose),
        (m.face_occlusion > MAX_OCCLUSION, Check::Occluded),
    ];
    rules.into_iter().filter(|(failed, _)| *failed).map(|(_, c)| c).collect()
}

/// Share of the seven checks passed, 0..1.
pub fn face_quality(failed: &[Check]) -> f32 {
    (CHECK_COUNT - failed.len().min(CHECK_COUNT)) as f32 / CHECK_COUNT as f32
}

/// Inner-lip gap over mouth width, mapped to 0..1.
pub fn mouth_opened(lm: &Landmarks68) -> f32 {
    let gap = [(61, 67), (62, 66), (63, 65)].iter().map(|&(a, b)| lm.get(a).distance(&lm.get(b))).sum::<f32>() / 3.0;
    let width = lm.get(60).distance(&lm.get(64));
    if width.is_nan() || width <= 0.0 {
        return 0.0;
    }
    ((gap / width - MOUTH_OPEN_OFFSET) / MOUTH_OPEN_RANGE).clamp(0.0, 1.0)
}

/// Mean gray over the face mask (0 when the mask is empty).
pub fn face_luminance(face: &AlignedFace) -> f32 {
    let gray = face.pixels.to_gray();
    let (sum, n) = gray.data.iter().zip(&face.mask).filter(|(_, &m)| m).fold((0.0f64, 0usize), |(s, n), (g, _)| (s + *g as f64, n + 1));
    if n == 0 {
        0.0
    } else {
        (sum / n as f64) as f32
    }
}

/// Variance of the 3x3 Laplacian over mask pixels whose whole neighbourhood is in the mask.
pub fn sharpness(face: &AlignedFace) -> f32 {
    let gray = face.pixels.to_gray();
    let (w, h) = (gray.width, gray.height);
    let mut values = Vec::new();
    for y in 1..h.saturating_sub(1) {
        for x in 1..w.saturating_sub(1) {
            let all_in = (y - 1..=y + 1).all(|yy| (x - 1..=x + 1).all(|xx| face.mask[yy * w + xx]));
            if !all_in {
                continue;
            }
            let g = |xx: usize, yy: usize| gray.data[yy * w + xx] as f64;
            values.push(g(x, y - 1) + g(x - 1, y) + g(x + 1, y) + g(x, y + 1) - 4.0 * g(x, y));
        }
    }
    if values.is_empty() {
        return 0.0;
    }
    let mean = values.iter().sum::<f64>() / values.len() as f64;
    (values.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / values.len() as f64) as f32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quality_counts_brightness_once_and_lists_failures_by_name() {
        let good = Measures { eye_dist: 60.0, face_luminance: 120.0, sharpness: 100.0, ..Default::default() };
        assert!(failed_checks(&good).is_empty());
        assert_eq!(face_quality(&[]), 1.0);
        let dark = Measures { face_luminance: 20.0, ..good };
        assert_eq!(failed_checks(&dark), vec![Check::TooDark]);
        assert!((face_quality(&failed_checks(&dark)) - 6.0 / 7.0).abs() < 1e-6);
        let bad = Measures { eye_dist: 10.0, yaw: 45.0, left_eye_closed: 0.9, ..dark };
        let names: Vec<_> = failed_checks(&bad).iter().map(|c| c.as_str()).collect();
        assert_eq!(names, ["too_small", "too_dark", "eyes_closed", "off_pose"]);
    }
}
