//! The golden comparison shared by the native test (`tests/golden.rs`) and the browser test
//! (`tests/wasm_golden.rs`): the tolerances promised in the README — same face count, box IoU
//! ≥ 0.99, landmarks within 0.5% of the box size, embedding cosine ≥ 0.9999, and each quality
//! measure within a stated absolute tolerance. No file system here: it also runs in a browser.
#![allow(dead_code)]

use likeness::detect::Detection;
use likeness::Face;
use serde::Deserialize;

/// Every committed golden fixture (`tests/fixtures/golden/<name>.png` + `.json`). The native
/// test checks this list against the directory; the browser test embeds exactly these.
pub const FIXTURES: [&str; 13] = [
    "biden",
    "id_crop",
    "id_tight",
    "no_face",
    "obama2",
    "obama3",
    "obama_640x480",
    "obama_dark",
    "obama_eyes_bar",
    "obama_mirrored",
    "obama_mouth_block",
    "obama_partial_face",
    "two_faces",
];

/// One golden file, written by the onnxruntime reference.
#[derive(Deserialize)]
pub struct Golden {
    pub image: String,
    pub width: u32,
    pub height: u32,
    pub faces: Vec<Face>,
}

/// (name, tolerance, accessor) of one scalar measure.
pub type Measure = (&'static str, f32, fn(&Face) -> f32);

/// Every scalar measure compared.
pub const MEASURES: [Measure; 11] = [
    ("eye_dist", 0.05, |f| f.eye_dist),
    ("face_luminance", 0.1, |f| f.face_luminance),
    ("face_occlusion", 0.005, |f| f.face_occlusion),
    ("left_eye_closed", 0.002, |f| f.left_eye_closed),
    ("right_eye_closed", 0.002, |f| f.right_eye_closed),
    ("mouth_opened", 0.002, |f| f.mouth_opened),
    ("yaw", 0.05, |f| f.yaw),
    ("pitch", 0.05, |f| f.pitch),
    ("roll", 0.05, |f| f.roll),
    ("face_quality", 1e-6, |f| f.face_quality),
    ("liveness", 0.002, |f| f.liveness.unwrap_or(-1.0)),
];

fn as_detection(f: &Face) -> Detection {
    Detection { x1: f.x1, y1: f.y1, x2: f.x2, y2: f.y2, score: f.score }
}

/// Every way `ours` is outside the tolerances around `gold` (empty when it matches).
pub fn compare_face(image: &str, i: usize, ours: &Face, gold: &Face) -> Vec<String> {
    let mut problems = Vec::new();
    let iou = as_detection(ours).iou(&as_detection(gold));
    if iou < 0.99 {
        problems.push(format!("{image} face {i}: box IoU {iou:.4} < 0.99"));
    }
    let size = (gold.x2 - gold.x1).max(gold.y2 - gold.y1);
    let worst = ours
        .landmark_68
        .iter()
        .zip(&gold.landmark_68)
        .map(|(a, b)| a.distance(b))
        .fold(0.0f32, f32::max);
    if ours.landmark_68.len() != 68 || worst > 0.005 * size {
        problems.push(format!("{image} face {i}: landmark off by {worst:.3} px (limit {:.3})", 0.005 * size));
    }
    match (&ours.embedding, &gold.embedding) {
        (Some(a), Some(b)) => {
            let cos = likeness::similarity(a, b).unwrap_or(-1.0);
            if cos < 0.9999 {
                problems.push(format!("{image} face {i}: embedding cosine {cos:.6} < 0.9999"));
            }
        }
        _ => problems.push(format!("{image} face {i}: embedding missing")),
    }
    for (name, tol, get) in MEASURES {
        let (a, b) = (get(ours), get(gold));
        if (a - b).abs() > tol {
            problems.push(format!("{image} face {i}: {name} {a} vs reference {b} (tolerance {tol})"));
        }
    }
    let rel = (ours.sharpness - gold.sharpness).abs() / gold.sharpness.max(1.0);
    if rel > 0.01 {
        problems.push(format!("{image} face {i}: sharpness {} vs {} (>1%)", ours.sharpness, gold.sharpness));
    }
    if ours.quality_checks != gold.quality_checks {
        problems.push(format!("{image} face {i}: checks {:?} vs {:?}", ours.quality_checks, gold.quality_checks));
    }
    problems
}

/// All faces of one image against its golden: the face count, then `compare_face` for each.
pub fn compare_faces(gold: &Golden, ours: &[Face]) -> Vec<String> {
    if ours.len() != gold.faces.len() {
        return vec![format!("{}: {} faces, reference {}", gold.image, ours.len(), gold.faces.len())];
    }
    ours.iter().zip(&gold.faces).enumerate().flat_map(|(i, (a, b))| compare_face(&gold.image, i, a, b)).collect()
}
