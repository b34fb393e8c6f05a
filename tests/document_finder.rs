//! The learned card finder (models/card_finder.onnx) on a regression set of generated scenes
//! (tests/common/scenes.rs, fixed seeds, generated desks and the committed photos only, so the
//! set is the same on every machine): it finds the cards, says there is none on photos of
//! people and desks, and tells a card cut by the frame's edge to be fitted in.

mod common;

use common::scenes::{self, SceneKind, Sources};
use likeness::raster::RgbImage;

/// The committed photos only: no backdrop package, no LFW (the set must not depend on them).
fn sources() -> Sources {
    let people = ["obama_640x480", "biden", "obama3", "obama2", "two_faces", "obama_dark"]
        .iter()
        .filter_map(|n| likeness::decode::decode(&std::fs::read(common::golden_dir().join(format!("{n}.png"))).ok()?, &Default::default()).ok())
        .collect();
    Sources { backdrops: Vec::new(), people }
}

fn scene(kind: SceneKind, i: u64, src: &Sources) -> scenes::Scene {
    scenes::random_scene(0x7e57_0000 + 1000 * kind as u64 + i, Some(kind), src, 1280)
}

#[test]
fn the_committed_model_finds_the_cards_of_the_regression_scenes() {
    let (sdk, src) = (common::sdk(), sources());
    let mut report = Vec::new();
    let (mut found, mut total) = (0, 0);
    for kind in [SceneKind::Typical, SceneKind::Near, SceneKind::Far, SceneKind::Scan] {
        for i in 0..5 {
            let s = scene(kind, i, &src);
            let frame = [s.image.width() as f32, s.image.height() as f32];
            let f = sdk.find_document(&s.image).expect("find_document");
            let iou = match (f.card, s.quad) {
                (Some(c), Some(t)) => scenes::quad_iou(&c.corners, &t, frame),
                _ => 0.0,
            };
            total += 1;
            found += (iou >= 0.9) as usize;
            report.push(format!("{} {i}: {iou:.3} (presence {:.2})", kind.name(), f.presence));
        }
    }
    println!("{}", report.join("\n"));
    // Measured on this set when the model was committed: 14 of 20 (docs/document.md). The bar
    // is below it, not at it.
    assert!(found >= 12, "{found} of {total} cards found at Jaccard >= 0.9:\n{}", report.join("\n"));
}

#[test]
fn photos_of_people_and_desks_without_a_document_have_no_card() {
    let (sdk, src) = (common::sdk(), sources());
    let mut wrong = Vec::new();
    let mut n = 0;
    // The committed photos themselves, whole (the case the aspect-ratio scan took for a card).
    let fixtures = common::root().join("tests/fixtures/images");
    let mut photos: Vec<(String, RgbImage)> = ["obama.jpg", "obama2.jpg", "obama3.jpg", "biden.jpg"]
        .iter()
        .filter_map(|f| Some((f.to_string(), likeness::decode::decode(&std::fs::read(fixtures.join(f)).ok()?, &Default::default()).ok()?)))
        .collect();
    for name in ["obama_640x480", "two_faces", "obama_dark", "biden"] {
        if let Ok(bytes) = std::fs::read(common::golden_dir().join(format!("{name}.png"))) {
            photos.push((name.to_string(), likeness::decode::decode(&bytes, &Default::default()).expect("decode")));
        }
    }
    assert!(photos.len() >= 8);
    for kind in [SceneKind::People, SceneKind::Clutter] {
        for i in 0..6 {
            let s = scene(kind, i, &src);
            photos.push((format!("{} {i}", kind.name()), s.image));
        }
    }
    for (name, img) in &photos {
        n += 1;
        let a = sdk.analyze_document(img).expect("analyze_document");
        if a.document.is_some() || a.instruction.code != "DOCUMENT_NOT_FOUND" {
            wrong.push(format!("{name}: {:?} {}", a.document.map(|d| d.corners), a.instruction.code));
        }
    }
    // The real photos: never. The generated scenes (group photos tiled from the committed
    // photos, desks): 3 of 12 when the model was committed (docs/document.md has the held-out
    // rate); the bar is above it, not at it.
    let real: Vec<&String> = wrong.iter().filter(|w| !w.starts_with("people ") && !w.starts_with("clutter ")).collect();
    assert!(real.is_empty(), "a committed photo of people was given a card: {real:#?}");
    assert!(wrong.len() <= 4, "{} of {n} frames without a document were given one: {wrong:#?}", wrong.len());
}

#[test]
fn a_card_cut_by_the_frame_is_found_and_asked_to_be_fitted_in() {
    let (sdk, src) = (common::sdk(), sources());
    let (mut said, mut visible_found, mut n) = (0, 0, 0);
    let mut report = Vec::new();
    for i in 0..8 {
        let s = scene(SceneKind::Cut, i, &src);
        let frame = [s.image.width() as f32, s.image.height() as f32];
        let a = sdk.analyze_document(&s.image).expect("analyze_document");
        let iou = match (&a.document, s.quad) {
            (Some(c), Some(t)) => scenes::quad_iou(&c.corners, &t, frame),
            _ => 0.0,
        };
        n += 1;
        said += (a.instruction.code == "FIT_DOCUMENT_IN_FRAME") as usize;
        visible_found += (iou >= 0.9) as usize;
        report.push(format!("cut {i}: visible part {iou:.3}, {}", a.instruction.code));
    }
    println!("{}", report.join("\n"));
    assert!(said >= 6, "FIT_DOCUMENT_IN_FRAME said on {said} of {n} cut cards:\n{}", report.join("\n"));
    assert!(visible_found >= 5, "the visible part found on {visible_found} of {n}:\n{}", report.join("\n"));
}

/// The model through tract on the core's letterbox against onnxruntime on the reference's own
/// letterbox (tests/reference/card_finder.py): the same squares, the same outputs.
#[test]
fn the_finder_matches_the_onnxruntime_goldens() {
    use likeness::document::finder::{FinderMaps, Letterbox};
    let goldens: Vec<serde_json::Value> = serde_json::from_slice(&std::fs::read(common::root().join("tests/fixtures/card_finder/goldens.json")).expect("goldens.json")).expect("json");
    assert!(goldens.len() >= 5);
    for g in &goldens {
        let path = g["image"].as_str().expect("image");
        let img = likeness::decode::decode(&std::fs::read(common::root().join(path)).expect("image file"), &Default::default()).expect("decode");
        let lb = Letterbox::of(&img, likeness::constants::CARD_FINDER_SIDE);
        assert_eq!([lb.valid[0] as u64, lb.valid[1] as u64], [g["valid"][0].as_u64().unwrap_or(0), g["valid"][1].as_u64().unwrap_or(0)], "{path}: letterbox extent");
        let out = common::sdk().models.card_finder.run(lb.to_input()).expect("run");
        let maps = FinderMaps::from_outputs(&out).expect("outputs");
        let presence = g["presence"].as_f64().unwrap_or(-1.0) as f32;
        assert!((maps.presence - presence).abs() < 2e-3, "{path}: presence {} vs {presence}", maps.presence);
        for (k, (map, key)) in [(&maps.mask, "mask16"), (&maps.corners, "corners16")].into_iter().enumerate() {
            let want: Vec<f32> = g[key].as_array().expect("pooled").iter().map(|v| v.as_f64().unwrap_or(0.0) as f32).collect();
            for (i, w) in want.iter().enumerate() {
                let (py, px) = (i / 16, i % 16);
                let got: f32 = (0..16).map(|j| map[(py * 4 + j / 4) * 64 + px * 4 + j % 4]).sum::<f32>() / 16.0;
                assert!((got - w).abs() < 5e-3, "{path}: map {k} cell {i}: {got} vs {w}");
            }
        }
    }
}
