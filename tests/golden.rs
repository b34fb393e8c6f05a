//! Native results against the golden JSON written by the independent onnxruntime reference
//! (`tests/reference/reference.py --write-goldens`). Tolerances are the ones promised in the
//! README: same face count, box IoU ≥ 0.99, landmarks within 0.5% of the box size, embedding
//! cosine ≥ 0.9999, and each quality measure within a stated absolute tolerance.

mod common;

use likeness::detect::Detection;
use likeness::{AnalyzeOptions, Face};
use serde::Deserialize;

#[derive(Deserialize)]
struct Golden {
    image: String,
    width: u32,
    height: u32,
    faces: Vec<Face>,
}

/// (name, tolerance, accessor) for every scalar measure compared.
const MEASURES: [(&str, f32, fn(&Face) -> f32); 11] = [
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

fn golden_files() -> Vec<std::path::PathBuf> {
    let mut files: Vec<_> = std::fs::read_dir(common::golden_dir())
        .expect("golden dir")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    files
}

fn as_detection(f: &Face) -> Detection {
    Detection { x1: f.x1, y1: f.y1, x2: f.x2, y2: f.y2, score: f.score }
}

fn compare_face(image: &str, i: usize, ours: &Face, gold: &Face) -> Vec<String> {
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

#[test]
fn native_pipeline_matches_the_onnxruntime_reference() {
    let files = golden_files();
    assert!(files.len() >= 8, "expected the committed goldens, found {}", files.len());
    let opts = AnalyzeOptions { liveness: true, ..Default::default() };
    let mut problems = Vec::new();
    let mut faces_compared = 0;
    for path in files {
        let text = std::fs::read_to_string(&path).expect("golden json");
        let gold: Golden = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let img = common::fixture(&gold.image);
        assert_eq!((img.width(), img.height()), (gold.width, gold.height), "{}", gold.image);
        let ours = common::sdk().analyze(&img, &opts).expect("analyze");
        if ours.faces.len() != gold.faces.len() {
            problems.push(format!("{}: {} faces, reference {}", gold.image, ours.faces.len(), gold.faces.len()));
            continue;
        }
        for (i, (a, b)) in ours.faces.iter().zip(&gold.faces).enumerate() {
            problems.extend(compare_face(&gold.image, i, a, b));
            faces_compared += 1;
        }
    }
    assert!(faces_compared >= 8, "too few faces compared: {faces_compared}");
    assert!(problems.is_empty(), "{} mismatches:\n{}", problems.len(), problems.join("\n"));
}
