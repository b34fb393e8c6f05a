//! The one face schema used everywhere: CLI output, JS objects, scan records. Field names are
//! seed 004's (`x1`…`yaw`), plus `score`, `landmark_5`, `sharpness`, `quality_checks`,
//! `liveness` (when asked) and `embedding` (when asked).

use serde::{Deserialize, Serialize};

use crate::landmarks::Point;

/// One analysed face. Box and points are float image pixels; the box is not clipped.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Face {
    pub x1: f32,
    pub y1: f32,
    pub x2: f32,
    pub y2: f32,
    /// Detector probability, 0–1.
    pub score: f32,
    pub landmark_68: Vec<Point>,
    /// Eye on the image's left, other eye, nose tip, mouth corner left, right.
    pub landmark_5: Vec<Point>,
    pub eye_dist: f32,
    pub face_luminance: f32,
    pub face_occlusion: f32,
    pub face_quality: f32,
    pub quality_checks: Vec<String>,
    pub left_eye_closed: f32,
    pub right_eye_closed: f32,
    pub mouth_opened: f32,
    pub yaw: f32,
    pub pitch: f32,
    pub roll: f32,
    pub sharpness: f32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub liveness: Option<f32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub embedding: Option<Vec<f32>>,
}

impl Face {
    pub fn area(&self) -> f32 {
        (self.x2 - self.x1).max(0.0) * (self.y2 - self.y1).max(0.0)
    }
}

/// The faces of one image, largest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Analysis {
    pub width: u32,
    pub height: u32,
    pub faces: Vec<Face>,
}
