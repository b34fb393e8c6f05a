//! The CLI contract: JSON lines, error objects with stable codes, exit status 2 on failure,
//! and the seed 004 scan record from `compare`.

mod common;

use std::process::{Command, Output};

use serde_json::Value;

fn likeness(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_likeness"))
        .args(args)
        .env("LIKENESS_MODELS", common::root().join("models"))
        .output()
        .expect("run the CLI")
}

fn json_lines(out: &Output) -> Vec<Value> {
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON: {l}: {e}")))
        .collect()
}

fn golden(name: &str) -> String {
    common::golden_dir().join(name).to_string_lossy().into_owned()
}

#[test]
fn analyze_prints_one_line_per_image_and_an_error_object_for_a_bad_one() {
    let dir = tempdir();
    let bad = dir.join("broken.png");
    std::fs::write(&bad, b"\x89PNG\r\n\x1a\n truncated").expect("write");
    let out = likeness(&["analyze", "--no-embedding", &golden("two_faces.png"), &bad.to_string_lossy()]);
    assert_eq!(out.status.code(), Some(2), "any failed image makes the exit status 2");
    let lines = json_lines(&out);
    assert_eq!(lines.len(), 2);
    let ok = &lines[0];
    assert_eq!(ok["image"], golden("two_faces.png"));
    assert_eq!(ok["faces"].as_array().map(Vec::len), Some(2));
    let face = &ok["faces"][0];
    for key in [
        "x1", "y1", "x2", "y2", "score", "landmark_68", "landmark_5", "eye_dist", "face_luminance", "face_occlusion",
        "face_quality", "quality_checks", "left_eye_closed", "right_eye_closed", "mouth_opened", "yaw", "pitch", "roll",
        "sharpness",
    ] {
        assert!(face.get(key).is_some(), "face lacks {key}");
    }
    assert!(face.get("embedding").is_none(), "--no-embedding");
    assert!(face.get("liveness").is_none(), "liveness only when asked");
    assert_eq!(face["landmark_68"].as_array().map(Vec::len), Some(68));
    assert!(face["landmark_68"][0]["x"].is_number());
    assert_eq!(lines[1]["error"]["code"], "IMAGE_DECODE_FAILED");
    assert!(lines[1]["error"]["message"].as_str().is_some_and(|m| !m.is_empty()));
}

#[test]
fn analyze_honours_limit_liveness_and_threshold() {
    let out = likeness(&["analyze", "--liveness", "--limit", "1", "--det-prob-threshold", "0.9", &golden("two_faces.png")]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let line = &json_lines(&out)[0];
    let faces = line["faces"].as_array().expect("faces");
    assert_eq!(faces.len(), 1);
    assert!(faces[0]["liveness"].as_f64().is_some_and(|l| (0.0..=1.0).contains(&l)));
    assert_eq!(faces[0]["embedding"].as_array().map(Vec::len), Some(512));
    assert!(faces[0]["score"].as_f64().is_some_and(|s| s >= 0.9));
}

#[test]
fn compare_prints_the_seed_004_scan_record() {
    let out = likeness(&[
        "compare", "--threshold", "strict", "--reference", "0002", "--channel", "KIOSK",
        &golden("obama_640x480.png"), &golden("obama2.png"),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stdout));
    let rec = &json_lines(&out)[0];
    let mut keys: Vec<&str> = rec.as_object().expect("object").keys().map(String::as_str).collect();
    keys.sort();
    assert_eq!(keys, ["channel", "compare_measured_far", "compare_measured_frr", "compare_mode", "compare_nominal_far", "compare_preset", "compare_result", "compare_similarity", "compare_threshold", "created", "document", "face1", "face2", "id", "reference"]);
    assert_eq!(rec["channel"], "KIOSK");
    assert_eq!(rec["reference"], "0002");
    assert_eq!(rec["compare_result"], "Same person");
    assert_eq!((rec["compare_preset"].as_str(), rec["compare_nominal_far"].as_f64()), (Some("strict"), Some(1e-5)));
    assert!(rec["compare_threshold"].as_f64().is_some_and(|t| t >= likeness::constants::THRESHOLD_STRICT as f64 - 1e-6));
    let id = rec["id"].as_str().expect("id");
    assert!(id.len() == 36 && &id[14..15] == "4", "UUID v4: {id}");
    let created = rec["created"].as_str().expect("created");
    assert!(created.len() >= 20 && &created[4..5] == "-" && &created[10..11] == "T", "ISO 8601: {created}");
    assert!(rec["face1"].get("embedding").is_none(), "templates stay on the device");
    assert!(rec["face2"]["landmark_68"].as_array().is_some_and(|a| a.len() == 68));
}

#[test]
fn compare_mode_document_names_the_mode_and_what_it_found() {
    // A portrait cut out of a document (no card outline): its face is the portrait.
    let out = likeness(&["compare", "--mode", "document", &golden("obama_640x480.png"), &golden("id_crop.png")]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stdout));
    let rec = &json_lines(&out)[0];
    assert_eq!(rec["compare_mode"], "document");
    assert_eq!(rec["compare_threshold"].as_f64().map(|t| t as f32), Some(likeness::constants::DOCUMENT_THRESHOLD_MEDIUM));
    assert_eq!(rec["document"]["format"], Value::Null);
    assert!(rec["document"]["portrait_eye_dist"].as_f64().is_some_and(|d| d > 20.0), "{}", rec["document"]);
    let auto = likeness(&["compare", &golden("obama_640x480.png"), &golden("obama2.png")]);
    assert_eq!(json_lines(&auto)[0]["compare_mode"], "selfie");
}

#[test]
fn compare_without_a_face_is_no_face_with_status_2() {
    let out = likeness(&["compare", &golden("obama_640x480.png"), &golden("no_face.png")]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(json_lines(&out)[0]["error"]["code"], "NO_FACE");
}

#[test]
fn usage_mistakes_are_invalid_argument() {
    for args in [
        vec!["compare", "--threshold", "loose", "a.png", "b.png"],
        vec!["compare", "only-one.png"],
        vec!["compare", "--mode", "passport", "a.png", "b.png"],
        vec!["analyze", "--limit", "many", "x.png"],
        vec!["analyze", "--det-prob-threshold", "2", &golden("obama2.png")],
        vec!["analyze", "--frobnicate", "x.png"],
        vec!["dance"],
    ] {
        let out = likeness(&args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert_eq!(json_lines(&out)[0]["error"]["code"], "INVALID_ARGUMENT", "{args:?}");
    }
}

#[test]
fn a_corrupt_model_directory_is_model_invalid() {
    let dir = tempdir();
    for f in std::fs::read_dir(common::root().join("models")).expect("models").flatten() {
        let mut bytes = std::fs::read(f.path()).expect("read");
        if f.file_name() == "fr_landmark.onnx" {
            bytes[1000] ^= 0xff; // one flipped byte
        }
        std::fs::write(dir.join(f.file_name()), bytes).expect("write");
    }
    let out = likeness(&["--models", &dir.to_string_lossy(), "analyze", &golden("obama2.png")]);
    assert_eq!(out.status.code(), Some(2));
    let err = &json_lines(&out)[0]["error"];
    assert_eq!(err["code"], "MODEL_INVALID");
    assert!(err["message"].as_str().is_some_and(|m| m.contains("fr_landmark") && m.contains("sha256")));
}

fn tempdir() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("likeness-cli-{}-{}", std::process::id(), rand_suffix()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

fn rand_suffix() -> u128 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0)
}
