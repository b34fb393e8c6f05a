//! One source of truth: the manifest and `constants.rs` say the same thing, and the committed
//! model files are the ones the manifest describes.

mod common;

use likeness::constants::*;
use likeness::model::{verify, Manifest, ModelKind};

fn pre(m: &Manifest, kind: ModelKind) -> serde_json::Value {
    m.entry(kind).expect("entry").preprocessing.clone()
}

fn close(v: &serde_json::Value, x: f32) -> bool {
    v.as_f64().is_some_and(|f| (f - x as f64).abs() < 1e-6)
}

#[test]
fn committed_models_match_their_hashes() {
    let m = Manifest::bundled().expect("manifest");
    for kind in ModelKind::ALL {
        let entry = m.entry(kind).expect("entry");
        let bytes = std::fs::read(common::root().join("models").join(&entry.file)).expect("model file");
        verify(entry, &bytes).unwrap_or_else(|e| panic!("{e}"));
    }
}

#[test]
fn manifest_and_constants_agree() {
    let m = Manifest::bundled().expect("manifest");
    let d = pre(&m, ModelKind::Detect);
    assert!(close(&d["mean"], DETECT_MEAN) && close(&d["scale"], DETECT_SCALE));
    assert!(close(&d["default_det_prob_threshold"], DEFAULT_DET_PROB_THRESHOLD));
    assert!(close(&d["nms_iou_threshold"], NMS_IOU_THRESHOLD));
    assert!(close(&d["nms_containment_threshold"], NMS_CONTAINMENT_THRESHOLD));
    assert!(close(&d["tight_crop_pad"], TIGHT_CROP_PAD));
    assert_eq!(m.entry(ModelKind::Detect).expect("e").inputs[0].shape, [1, 3, DETECT_HEIGHT, DETECT_WIDTH]);
    assert!(close(&pre(&m, ModelKind::Landmark)["scale"], LANDMARK_SCALE));
    assert_eq!(m.entry(ModelKind::Landmark).expect("e").inputs[0].shape, [1, 1, LANDMARK_SIZE, LANDMARK_SIZE]);
    let f = pre(&m, ModelKind::Feature);
    assert!(close(&f["mean"], EMBED_MEAN) && close(&f["scale"], EMBED_SCALE));
    let order = match EMBED_CHANNEL_ORDER {
        ChannelOrder::Rgb => "RGB",
        ChannelOrder::Bgr => "BGR",
    };
    assert_eq!(f["channel_order"], order);
    assert_eq!(m.entry(ModelKind::Feature).expect("e").outputs[0].shape, [1, EMBEDDING_LEN]);
    let presets: serde_json::Value =
        serde_json::from_str(likeness::model::MANIFEST_JSON).map(|v: serde_json::Value| v["models"]["fr_feature"]["match_presets"].clone()).expect("json");
    assert!(close(&presets["strict"], THRESHOLD_STRICT));
    assert!(close(&presets["medium"], THRESHOLD_MEDIUM));
    assert!(close(&presets["low"], THRESHOLD_LOW));
    let e = pre(&m, ModelKind::Eye);
    assert!(close(&e["scale"], EYE_SCALE));
    assert_eq!(e["closed_class"].as_u64(), Some(EYE_CLOSED_CLASS as u64));
    assert_eq!(m.entry(ModelKind::Eye).expect("e").inputs[0].shape, [1, 1, EYE_SIZE, EYE_SIZE]);
    let l = pre(&m, ModelKind::Liveness);
    assert_eq!(l["live_class"].as_u64(), Some(LIVENESS_LIVE_CLASS as u64));
    assert_eq!(m.entry(ModelKind::Liveness).expect("e").inputs[0].shape, [1, 3, LIVENESS_SIZE, LIVENESS_SIZE]);
}
