//! What a user of the SDK would notice: identities separate, mirrored faces mirror their pose,
//! dark photos fail the brightness check, occluders raise occlusion, open mouths read as open,
//! tight ID crops are found.

mod common;

use likeness::detect::{detect, DetectOptions};
use likeness::{AnalyzeOptions, Face, Threshold};

fn largest(img: &likeness::raster::RgbImage) -> Face {
    let opts = AnalyzeOptions { detect: DetectOptions { limit: Some(1), ..Default::default() }, ..Default::default() };
    let analysis = common::sdk().analyze(img, &opts).expect("analyze");
    analysis.faces.into_iter().next().expect("a face")
}

#[test]
fn a_mirrored_photo_keeps_pitch_flips_yaw_and_roll_and_swaps_the_eyes() {
    let img = common::fixture("obama_640x480.png");
    let (a, b) = (largest(&img), largest(&common::mirror(&img)));
    let w = img.width() as f32;
    assert!((a.pitch - b.pitch).abs() < 3.0, "pitch {} vs {}", a.pitch, b.pitch);
    assert!((a.yaw + b.yaw).abs() < 2.0 && a.yaw.abs() > 1.0, "yaw {} vs {}", a.yaw, b.yaw);
    assert!((a.roll + b.roll).abs() < 1.5, "roll {} vs {}", a.roll, b.roll);
    // The subject's left eye on the photo is the subject's right eye on the mirror image.
    let (a_left, b_right) = (a.landmark_5[1], b.landmark_5[0]);
    assert!((a_left.x - (w - b_right.x)).abs() < 3.0 && (a_left.y - b_right.y).abs() < 3.0);
    assert!((a.left_eye_closed - b.right_eye_closed).abs() < 0.05);
    assert!((a.x1 - (w - b.x2)).abs() < 4.0, "box mirrors");
}

#[test]
fn a_darkened_photo_lowers_luminance_and_fails_the_brightness_check() {
    let img = common::fixture("obama_640x480.png");
    let dark_pixels: Vec<u8> = img.as_raw().iter().map(|&p| (p as f32 * 0.3) as u8).collect();
    let dark = likeness::raster::RgbImage::from_raw(img.width(), img.height(), dark_pixels).expect("size");
    let (a, b) = (largest(&img), largest(&dark));
    assert!(b.face_luminance < a.face_luminance * 0.4, "{} vs {}", b.face_luminance, a.face_luminance);
    assert!(!a.quality_checks.contains(&"too_dark".to_string()));
    assert!(b.quality_checks.contains(&"too_dark".to_string()), "{:?}", b.quality_checks);
    assert!(b.face_quality < a.face_quality);
}

#[test]
fn pasted_occluders_raise_occlusion_with_their_area() {
    let img = common::fixture("obama_640x480.png");
    let face = largest(&img);
    let clean = face.face_occlusion;
    // Occluders grow downward from the nose tip over the lower face, like a mask, to the chin.
    let (x0, x1) = (face.x1 as u32, face.x2 as u32);
    let nose_y = face.landmark_68[30].y as u32;
    let chin_y = face.landmark_68[8].y as u32;
    for colour in [[0u8, 0, 0], [30, 90, 200], [235, 235, 235]] {
        let mut last = clean;
        for share in [0.25f32, 0.5, 0.75, 1.0] {
            let bottom = nose_y + ((chin_y - nose_y) as f32 * share) as u32;
            let covered = common::paste_rect(&img, [x0, nose_y, x1, bottom], colour);
            let detected = common::sdk().analyze(&covered, &AnalyzeOptions { embedding: false, ..Default::default() });
            let Some(f) = detected.ok().and_then(|a| a.faces.into_iter().next()) else {
                break; // once the detector loses the face there is nothing to measure
            };
            assert!(
                f.face_occlusion > last + 0.01,
                "colour {colour:?}: occlusion {} at {share} of the lower face, {} before",
                f.face_occlusion,
                last
            );
            last = f.face_occlusion;
        }
        assert!(last > clean + 0.15, "colour {colour:?}: a covered lower face reads {last}, clean {clean}");
    }
}

#[test]
fn open_mouths_read_open_and_closed_mouths_closed() {
    let Some(data) = common::datasets() else { return };
    let surprised = largest(&common::load(&data.join("bbt/surprised.jpg")));
    let neutral = largest(&common::load(&data.join("bbt/neutral.jpg")));
    assert!(surprised.mouth_opened > 0.6, "surprised: {}", surprised.mouth_opened);
    assert!(neutral.mouth_opened < 0.2, "neutral: {}", neutral.mouth_opened);
    assert!(surprised.quality_checks.contains(&"mouth_open".to_string()));
}

#[test]
fn every_tight_bbt_crop_has_its_face_found() {
    let Some(data) = common::datasets() else { return };
    let crops = common::bbt_crops(&data);
    assert_eq!(crops.len(), 40);
    let missed: Vec<_> = crops
        .iter()
        .filter(|(_, p)| detect(&common::sdk().models.detect, &common::load(p), &DetectOptions::default()).map_or(true, |d| d.is_empty()))
        .map(|(_, p)| p.display().to_string())
        .collect();
    assert!(missed.is_empty(), "missed: {missed:?}");
}

/// Every genuine and impostor pair of the BBT crops; returns (genuine, impostor) cosines.
fn bbt_scores(data: &std::path::Path) -> (Vec<f32>, Vec<f32>) {
    let crops = common::bbt_crops(data);
    let embs: Vec<(String, Vec<f32>)> = crops
        .iter()
        .map(|(who, p)| {
            let face = largest(&common::load(p));
            (who.clone(), face.embedding.expect("embedding"))
        })
        .collect();
    let (mut genuine, mut impostor) = (Vec::new(), Vec::new());
    for i in 0..embs.len() {
        for j in i + 1..embs.len() {
            let s = likeness::similarity(&embs[i].1, &embs[j].1).expect("similarity");
            if embs[i].0 == embs[j].0 { genuine.push(s) } else { impostor.push(s) }
        }
    }
    (genuine, impostor)
}

#[test]
fn same_person_pairs_score_above_different_person_pairs_at_the_medium_preset() {
    let Some(data) = common::datasets() else { return };
    let (genuine, impostor) = bbt_scores(&data);
    assert_eq!((genuine.len(), impostor.len()), (80, 700));
    let medium = Threshold::Medium;
    let false_rejects = genuine.iter().filter(|&&s| !medium.accepts(s)).count();
    let false_accepts = impostor.iter().filter(|&&s| medium.accepts(s)).count();
    let (gmin, imax) = (genuine.iter().copied().fold(1.0, f32::min), impostor.iter().copied().fold(-1.0, f32::max));
    eprintln!("BBT: genuine min {gmin:.4}, impostor max {imax:.4}, medium FRR {false_rejects}/80 FAR {false_accepts}/700");
    assert_eq!(false_accepts, 0, "medium must not accept an impostor pair of the calibration set");
    assert!(false_rejects <= 4, "medium rejects {false_rejects} of 80 genuine pairs");
    let strict_fa = impostor.iter().filter(|&&s| Threshold::Strict.accepts(s)).count();
    let low_fr = genuine.iter().filter(|&&s| !Threshold::Low.accepts(s)).count();
    assert_eq!(strict_fa, 0);
    assert!(low_fr <= false_rejects);
}

#[test]
fn the_same_person_matches_across_photos_and_different_people_do_not() {
    let sdk = common::sdk();
    let obama = common::fixture("obama_640x480.png");
    let obama2 = common::fixture("obama2.png");
    let biden = common::fixture("biden.png");
    let same = sdk.compare(&obama, &obama2, &Default::default()).expect("compare");
    let different = sdk.compare(&obama, &biden, &Default::default()).expect("compare");
    assert_eq!(same.compare_result, "Same person", "{}", same.compare_similarity);
    assert_eq!(different.compare_result, "Different person", "{}", different.compare_similarity);
    assert!(same.compare_similarity > different.compare_similarity + 0.2);
}

fn resized(img: &likeness::raster::RgbImage, scale: f32) -> likeness::raster::RgbImage {
    let buf = image::RgbImage::from_raw(img.width(), img.height(), img.as_raw().to_vec()).expect("size");
    let (w, h) = (((img.width() as f32 * scale).round() as u32).max(1), ((img.height() as f32 * scale).round() as u32).max(1));
    let small = image::imageops::resize(&buf, w, h, image::imageops::FilterType::Triangle);
    likeness::raster::RgbImage::from_raw(w, h, small.into_raw()).expect("size")
}

fn grey(img: &likeness::raster::RgbImage) -> likeness::raster::RgbImage {
    let px: Vec<u8> = img
        .as_raw()
        .chunks_exact(3)
        .flat_map(|p| {
            let y = likeness::raster::luma([p[0] as f32, p[1] as f32, p[2] as f32]).round().clamp(0.0, 255.0) as u8;
            [y, y, y]
        })
        .collect();
    likeness::raster::RgbImage::from_raw(img.width(), img.height(), px).expect("size")
}

/// A document photo shrunk until its face has fewer than `COMPARE_MIN_EYE_DIST` px between the
/// eyes (but is still found): the smallest scale in steps of 10 % at which the detector finds it.
fn tiny_face(img: &likeness::raster::RgbImage) -> (likeness::raster::RgbImage, f32) {
    let full = largest(img).eye_dist;
    let opts = AnalyzeOptions { detect: DetectOptions { limit: Some(1), ..Default::default() }, ..Default::default() };
    let mut scale = (likeness::constants::COMPARE_MIN_EYE_DIST - 0.5) / full;
    while scale > 0.02 {
        let small = resized(img, scale);
        if let Some(face) = common::sdk().analyze(&small, &opts).ok().and_then(|a| a.faces.into_iter().next()) {
            if face.eye_dist < likeness::constants::COMPARE_MIN_EYE_DIST {
                return (small, face.eye_dist);
            }
        }
        scale *= 0.9;
    }
    panic!("no scale gave a findable face under {} px between the eyes", likeness::constants::COMPARE_MIN_EYE_DIST)
}

#[test]
fn a_face_too_small_to_compare_is_quality_too_low_with_its_measurements_in_colour_and_grey() {
    use likeness::ErrorCode;
    let sdk = common::sdk();
    let selfie = common::fixture("obama_640x480.png");
    let document = common::fixture("obama2.png");
    for (what, doc) in [("colour", document.clone()), ("grey", grey(&document))] {
        let (small, eye) = tiny_face(&doc);
        let e = sdk.compare(&selfie, &small, &Default::default()).expect_err("a verdict on a tiny face");
        assert_eq!(e.code, ErrorCode::QualityTooLow, "{what}: {e}");
        assert!(e.message.contains("document photo"), "{what}: {}", e.message);
        let detail = |k: &str| e.details.iter().find(|(n, _)| *n == k).map(|d| d.1);
        assert_eq!(detail("face2_eye_dist"), Some(eye as f64), "{what}: the measured value");
        assert!(detail("face1_eye_dist").is_some_and(|d| d > 40.0), "{what}: {:?}", e.details);
        assert_eq!(detail("min_eye_dist"), Some(likeness::constants::COMPARE_MIN_EYE_DIST as f64));
        // Swapped, the selfie is the small one.
        let e = sdk.compare(&small, &selfie, &Default::default()).expect_err("swapped");
        assert!(e.code == ErrorCode::QualityTooLow && e.message.contains("selfie"), "{what}: {e}");
    }
    // A grey print at full size is decided, and right.
    let scan = sdk.compare(&selfie, &grey(&document), &Default::default()).expect("grey at full size");
    assert_eq!(scan.compare_result, "Same person", "{}", scan.compare_similarity);
}

#[test]
fn the_record_names_the_preset_its_nominal_far_and_the_threshold_raised_for_a_small_face() {
    use likeness::constants::*;
    use likeness::CompareOptions;
    let sdk = common::sdk();
    let selfie = common::fixture("obama_640x480.png");
    let document = common::fixture("obama2.png");
    let full = sdk.compare(&selfie, &document, &Default::default()).expect("compare");
    assert_eq!((full.compare_preset.as_deref(), full.compare_nominal_far), (Some("medium"), Some(NOMINAL_FAR_MEDIUM)));
    assert!(full.face2.eye_dist >= 30.0 && full.compare_threshold == THRESHOLD_MEDIUM, "{} at {} px", full.compare_threshold, full.face2.eye_dist);
    // The same document at about 12 px between the eyes: a higher bar.
    let small = resized(&document, 12.0 / full.face2.eye_dist);
    let opts = CompareOptions { threshold: Threshold::Strict, ..Default::default() };
    let scan = sdk.compare(&selfie, &small, &opts).expect("compare small");
    assert_eq!((scan.compare_preset.as_deref(), scan.compare_nominal_far), (Some("strict"), Some(NOMINAL_FAR_STRICT)));
    let expected = THRESHOLD_STRICT + likeness::matching::quality_offset(scan.face2.eye_dist.min(scan.face1.eye_dist));
    assert!(scan.compare_threshold > THRESHOLD_STRICT && (scan.compare_threshold - expected).abs() < 1e-6, "{}", scan.compare_threshold);
    assert_eq!(scan.compare_result == "Same person", scan.compare_similarity >= scan.compare_threshold);
    let explicit = sdk.compare(&selfie, &document, &CompareOptions { threshold: Threshold::Value(0.2), ..Default::default() }).expect("explicit");
    assert_eq!((explicit.compare_preset, explicit.compare_nominal_far, explicit.compare_threshold), (None, None, 0.2));
}
