//! The full pipeline inside a real browser (headless Chromium, `scripts/test_browser.sh`):
//! the wasm32 build must match the onnxruntime goldens with the same tolerances as the native
//! `tests/golden.rs`, through the public Rust API and through the JavaScript `Likeness` class
//! that wasm-bindgen generates (called via its real JS glue, so names and conversions are the
//! ones an app sees), and the bindings must throw `Error`s carrying the core's stable codes.
#![cfg(target_arch = "wasm32")]

#[path = "common/golden.rs"]
mod golden;

use golden::{compare_face, compare_faces, Golden, FIXTURES};
use js_sys::{Array, Float32Array, Function, Object, Reflect, Uint8Array, Uint8ClampedArray, JSON};
use likeness::decode::{decode, Limits};
use likeness::wasm::WasmLikeness;
use likeness::{Analysis, AnalyzeOptions, Likeness, ScanRecord};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// (manifest name, bytes) of every model the tests load.
const MODELS: [(&str, &[u8]); 6] = [
    ("fr_detect", include_bytes!("../models/fr_detect.onnx")),
    ("fr_landmark", include_bytes!("../models/fr_landmark.onnx")),
    ("fr_feature", include_bytes!("../models/fr_feature.onnx")),
    ("fr_eye", include_bytes!("../models/fr_eye.onnx")),
    ("fr_liveness", include_bytes!("../models/fr_liveness.onnx")),
    ("card_finder", include_bytes!("../models/card_finder.onnx")),
];

macro_rules! fixtures {
    ($($name:literal),* $(,)?) => {
        [$(($name, include_bytes!(concat!("fixtures/golden/", $name, ".png")) as &[u8],
            include_str!(concat!("fixtures/golden/", $name, ".json")))),*]
    };
}

/// (name, PNG, golden JSON) — the same list as `golden::FIXTURES`, which the native test
/// checks against the directory.
const FILES: [(&str, &[u8], &str); 13] = fixtures!(
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
);

fn file(name: &str) -> (&'static [u8], Golden) {
    let (_, png, json) = FILES.iter().find(|f| f.0 == name).unwrap_or_else(|| panic!("no fixture {name}"));
    (png, serde_json::from_str(json).unwrap_or_else(|e| panic!("{name}.json: {e}")))
}

fn now() -> f64 {
    js_sys::Date::now()
}

thread_local! {
    /// The engine through the Rust API, every model loaded once per test page.
    static SDK: Likeness = {
        let t = now();
        let sdk = Likeness::from_bytes(
            |kind| MODELS.iter().find(|m| m.0 == kind.name()).map(|m| m.1.to_vec()),
            true,
        )
        .unwrap_or_else(|e| panic!("models must load in the browser: {e}"));
        console_log!("Rust API: models loaded in {:.0} ms", now() - t);
        sdk
    };
    /// The JavaScript `Likeness` object (the wasm-bindgen class instance, with liveness), loaded
    /// as the npm package loads it: `hashed`, the sha256 already compared by the caller.
    static JS: JsValue = {
        let t = now();
        let sdk = WasmLikeness::new(models_object(&[]), JsValue::TRUE, JsValue::TRUE)
            .unwrap_or_else(|e| panic!("bindings must load the models: {}", describe(&e)));
        console_log!("bindings: models loaded in {:.0} ms", now() - t);
        JsValue::from(sdk)
    };
}

/// `{ fr_detect: Uint8Array, … }`, with the models named in `corrupt` damaged (one byte flipped).
fn models_object(corrupt: &[&str]) -> JsValue {
    let obj = Object::new();
    for (name, bytes) in MODELS {
        let mut bytes = bytes.to_vec();
        if corrupt.contains(&name) {
            let middle = bytes.len() / 2;
            bytes[middle] ^= 0xff;
        }
        Reflect::set(&obj, &name.into(), &Uint8Array::from(&bytes[..])).expect("set");
    }
    obj.into()
}

fn bytes(b: &[u8]) -> JsValue {
    Uint8Array::from(b).into()
}

fn options(json: &str) -> JsValue {
    JSON::parse(json).expect("options JSON")
}

/// `obj[method](...args)` through the generated JS glue, as an app calls it.
fn call(obj: &JsValue, method: &str, args: &[JsValue]) -> Result<JsValue, JsValue> {
    let f: Function = Reflect::get(obj, &method.into())?.dyn_into()?;
    f.apply(obj, &args.iter().collect::<Array>())
}

/// `new Likeness(...args)` through the JS constructor.
fn construct(args: &[JsValue]) -> Result<JsValue, JsValue> {
    let ctor: Function = JS.with(|js| Reflect::get(js, &"constructor".into()))?.dyn_into()?;
    Reflect::construct(&ctor, &args.iter().collect::<Array>())
}

fn describe(v: &JsValue) -> String {
    let get = |k: &str| Reflect::get(v, &k.into()).ok().and_then(|x| x.as_string()).unwrap_or_default();
    format!("{}: {}", get("code"), get("message"))
}

fn from_js<T: serde::de::DeserializeOwned>(v: &JsValue) -> T {
    let text: String = JSON::stringify(v).expect("stringify").into();
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"))
}

/// The `code` of the JS `Error` a call threw; checks that it is a real `Error` with a message.
fn code(what: &str, r: Result<JsValue, JsValue>) -> String {
    let err = match r {
        Ok(v) => panic!("{what}: expected an error, got {}", String::from(JSON::stringify(&v).unwrap_or_default())),
        Err(e) => e,
    };
    assert!(err.is_instance_of::<js_sys::Error>(), "{what}: thrown value is not an Error: {err:?}");
    let message = Reflect::get(&err, &"message".into()).ok().and_then(|m| m.as_string()).unwrap_or_default();
    assert!(!message.is_empty(), "{what}: error without a message");
    Reflect::get(&err, &"code".into()).ok().and_then(|c| c.as_string()).unwrap_or_else(|| panic!("{what}: no code"))
}

fn finish(problems: Vec<String>) {
    assert!(problems.is_empty(), "{} mismatches:\n{}", problems.len(), problems.join("\n"));
}

#[wasm_bindgen_test]
fn the_fixture_list_is_the_shared_one() {
    let names: Vec<&str> = FILES.iter().map(|f| f.0).collect();
    assert_eq!(names, FIXTURES.to_vec());
}

/// Analyses every fixture with `analyze` and compares it with its golden file.
fn check_every_fixture(label: &str, mut analyze: impl FnMut(&str, &[u8]) -> Analysis) {
    let (mut problems, mut faces, mut worst_cosine) = (Vec::new(), 0, 1f32);
    for (name, png, json) in FILES {
        let gold: Golden = serde_json::from_str(json).unwrap_or_else(|e| panic!("{name}.json: {e}"));
        let t = now();
        let ours = analyze(name, png);
        console_log!("{label}: {name} ({} faces) in {:.0} ms", ours.faces.len(), now() - t);
        assert_eq!((ours.width, ours.height), (gold.width, gold.height), "{name}");
        if ours.faces.len() == gold.faces.len() {
            faces += ours.faces.len();
        }
        problems.extend(compare_faces(&gold, &ours.faces));
        if ours.faces.len() == gold.faces.len() {
            for (a, b) in ours.faces.iter().zip(&gold.faces) {
                if let (Some(x), Some(y)) = (&a.embedding, &b.embedding) {
                    worst_cosine = worst_cosine.min(likeness::similarity(x, y).unwrap_or(-1.0));
                }
            }
        }
    }
    assert!(faces >= 8, "too few faces compared: {faces}");
    // The figure the kernels issue asks for, per build (plain or relaxed-SIMD kernels: the fused
    // multiply-add rounds differently); compare_faces holds it to ≥ 0.9999.
    console_log!("{label}: {faces} faces, worst embedding cosine to the onnxruntime goldens {worst_cosine:.7} ({} build)", build());
    finish(problems);
}

/// Which build of the core runs these tests.
fn build() -> &'static str {
    if likeness::kernels::RELAXED { "relaxed-SIMD" } else { "plain SIMD" }
}

#[wasm_bindgen_test]
fn rust_api_in_the_browser_matches_the_onnxruntime_reference() {
    let opts = AnalyzeOptions { liveness: true, ..Default::default() };
    SDK.with(|sdk| {
        check_every_fixture("Rust API, decode + analyze", |name, png| {
            let img = decode(png, &Limits::default()).unwrap_or_else(|e| panic!("{name}: {e}"));
            sdk.analyze(&img, &opts).unwrap_or_else(|e| panic!("{name}: {e}"))
        })
    });
}

#[wasm_bindgen_test]
fn js_class_matches_the_onnxruntime_reference() {
    JS.with(|js| {
        check_every_fixture("bindings, analyze", |name, png| {
            let result = call(js, "analyze", &[bytes(png), options(r#"{"liveness": true}"#)])
                .unwrap_or_else(|e| panic!("{name}: {}", describe(&e)));
            from_js(&result)
        })
    });
}

#[wasm_bindgen_test]
fn js_result_is_exactly_the_rust_result_with_the_cli_field_names() {
    let (png, _) = file("obama_640x480");
    let result = JS.with(|js| call(js, "analyze", &[bytes(png), options(r#"{"liveness": true}"#)])).expect("analyze");
    let rust = SDK.with(|sdk| {
        let img = decode(png, &sdk.limits).expect("decode");
        sdk.analyze(&img, &AnalyzeOptions { liveness: true, ..Default::default() }).expect("analyze")
    });
    // The same values as the Rust API (the object is JSON.parse of what the CLI prints, so
    // every f32 survives the trip exactly).
    assert!(from_js::<Analysis>(&result) == rust, "the JS result differs from the Rust API's");
    let face = Reflect::get(&Reflect::get(&result, &"faces".into()).expect("faces"), &0.into()).expect("face 0");
    let keys: Vec<String> = Object::keys(face.unchecked_ref::<Object>()).iter().filter_map(|k| k.as_string()).collect();
    let expected = [
        "x1", "y1", "x2", "y2", "score", "landmark_68", "landmark_5", "eye_dist", "face_luminance",
        "face_occlusion", "face_quality", "quality_checks", "left_eye_closed", "right_eye_closed",
        "mouth_opened", "yaw", "pitch", "roll", "sharpness", "liveness", "embedding",
    ];
    assert_eq!(keys, expected);
}

#[wasm_bindgen_test]
fn rgba_pixels_and_image_data_match_the_goldens() {
    let (png, gold) = file("obama_640x480");
    let img = decode(png, &Limits::default()).expect("decode");
    let (w, h) = (img.width(), img.height());
    let rgba: Vec<u8> = img.as_raw().chunks_exact(3).flat_map(|p| [p[0], p[1], p[2], 255]).collect();
    let data = Uint8ClampedArray::from(&rgba[..]);
    let opts = options(r#"{"liveness": true, "limit": 5, "detProbThreshold": 0.65, "embedding": true}"#);
    JS.with(|js| {
        let a = call(js, "analyzeRgba", &[w.into(), h.into(), data.clone().into(), opts.clone()])
            .unwrap_or_else(|e| panic!("analyzeRgba: {}", describe(&e)));
        finish(compare_faces(&gold, &from_js::<Analysis>(&a).faces));
        // A real ImageData, as getImageData returns it.
        let ctor: Function = Reflect::get(&js_sys::global(), &"ImageData".into()).expect("ImageData").dyn_into().expect("fn");
        let image_data = Reflect::construct(&ctor, &Array::of3(&data, &w.into(), &h.into())).expect("new ImageData");
        let b = call(js, "analyze", &[image_data, opts.clone()]).unwrap_or_else(|e| panic!("ImageData: {}", describe(&e)));
        finish(compare_faces(&gold, &from_js::<Analysis>(&b).faces));
        assert_eq!(code("short RGBA", call(js, "analyzeRgba", &[w.into(), (h + 1).into(), data.into(), opts])), "INVALID_ARGUMENT");
    });
}

#[wasm_bindgen_test]
fn compare_embed_and_similarity_through_the_js_class() {
    let (obama2, gold2) = file("obama2");
    let (obama3, gold3) = file("obama3");
    let (biden, _) = file("biden");
    let golden_sim = |a: &Golden, b: &Golden| {
        likeness::similarity(a.faces[0].embedding.as_deref().expect("emb"), b.faces[0].embedding.as_deref().expect("emb"))
            .expect("similarity")
    };
    JS.with(|js| {
        let scan = call(js, "compare", &[bytes(obama2), bytes(obama3), options(r#"{"threshold": "strict", "reference": "0002", "channel": "WEB"}"#)])
            .unwrap_or_else(|e| panic!("compare: {}", describe(&e)));
        let keys: Vec<String> = Object::keys(scan.unchecked_ref::<Object>()).iter().filter_map(|k| k.as_string()).collect();
        assert_eq!(keys, ["channel", "compare_measured_far", "compare_measured_frr", "compare_mode", "compare_nominal_far", "compare_preset", "compare_result", "compare_similarity", "compare_threshold", "created", "document", "face1", "face2", "id", "reference"]);
        let record: ScanRecord = from_js(&scan);
        assert!(record.face1.embedding.is_none() && record.face2.embedding.is_none(), "no templates in the record");
        assert_eq!((record.channel.as_str(), record.reference.as_deref()), ("WEB", Some("0002")));
        assert_eq!(record.id.len(), 36);
        assert!(record.created.ends_with('Z') && record.created.len() == 27, "{}", record.created);
        let expected = golden_sim(&gold2, &gold3);
        assert!((record.compare_similarity - expected).abs() < 1e-3, "{} vs {expected}", record.compare_similarity);
        let verdict = if expected >= likeness::constants::THRESHOLD_STRICT { "Same person" } else { "Different person" };
        assert_eq!(record.compare_result, verdict);
        // The record's face carries no embedding (and no liveness): borrow the golden's to
        // compare everything else with the same tolerances.
        let mut face1 = record.face1.clone();
        face1.embedding = gold2.faces[0].embedding.clone();
        face1.liveness = gold2.faces[0].liveness;
        finish(compare_face("obama2 (scan record face1)", 0, &face1, &gold2.faces[0]));

        let other = call(js, "compare", &[bytes(obama2), bytes(biden), JsValue::UNDEFINED]).expect("compare");
        let other: ScanRecord = from_js(&other);
        assert_eq!((other.compare_result.as_str(), other.channel.as_str(), other.reference), ("Different person", "WEB", None));

        let v: Float32Array = call(js, "embed", &[bytes(obama3)]).expect("embed").dyn_into().expect("Float32Array");
        assert_eq!(v.length(), 512);
        let gold_emb = gold3.faces[0].embedding.clone().expect("emb");
        let cos = likeness::similarity(&v.to_vec(), &gold_emb).expect("cos");
        assert!(cos >= 0.9999, "embed cosine {cos}");
        let gold_array: Array = gold_emb.iter().map(|&x| JsValue::from(x)).collect();
        let s = call(js, "similarity", &[v.clone().into(), gold_array.into()]).expect("similarity").as_f64().expect("number");
        assert!((s as f32 - cos).abs() < 1e-6, "{s} vs {cos}");
        // similarity(embed(selfie), embed(document)) is the record's compare_similarity.
        let v2 = call(js, "embed", &[bytes(obama2)]).expect("embed");
        let s = call(js, "similarity", &[v2, v.into()]).expect("similarity").as_f64().expect("number");
        assert_eq!(s as f32, record.compare_similarity);
    });
}

#[wasm_bindgen_test]
fn the_js_class_throws_errors_with_the_core_codes() {
    let (obama, _) = file("obama_640x480");
    let (no_face, _) = file("no_face");
    let (png, _) = file("id_crop");
    JS.with(|js| {
        let analyze = |image: JsValue, opts: &str| call(js, "analyze", &[image, options(opts)]);
        assert_eq!(code("truncated PNG", analyze(bytes(b"\x89PNG\r\n\x1a\n truncated"), "{}")), "IMAGE_DECODE_FAILED");
        assert_eq!(code("half a PNG", analyze(bytes(&png[..png.len() / 2]), "{}")), "IMAGE_DECODE_FAILED");
        assert_eq!(code("garbage", analyze(bytes(b"this is not an image at all"), "{}")), "UNSUPPORTED_FORMAT");
        assert_eq!(code("empty bytes", analyze(bytes(b""), "{}")), "INVALID_ARGUMENT");
        for opts in [
            r#"{"limit": "two"}"#,
            r#"{"limit": 0}"#,
            r#"{"limit": 1.5}"#,
            r#"{"detProbThreshold": "high"}"#,
            r#"{"detProbThreshold": 2}"#,
            r#"{"embedding": 1}"#,
            r#"{"liveness": "yes"}"#,
            r#"{"det_prob_threshold": 0.5}"#,
            r#"42"#,
            r#""options""#,
            r#"[1]"#,
        ] {
            assert_eq!(code(opts, analyze(bytes(obama), opts)), "INVALID_ARGUMENT", "options {opts}");
        }
        for image in [JsValue::from(42), JsValue::NULL, JsValue::UNDEFINED, JsValue::from_str("obama.png"), Array::new().into()] {
            assert_eq!(code("wrong image type", analyze(image, "{}")), "INVALID_ARGUMENT");
        }
        for opts in [r#"{"threshold": "loose"}"#, r#"{"threshold": true}"#, r#"{"threshold": 2}"#, r#"{"channel": 7}"#, r#"{"reference": 2}"#] {
            let r = call(js, "compare", &[bytes(obama), bytes(obama), options(opts)]);
            assert_eq!(code(opts, r), "INVALID_ARGUMENT", "compare options {opts}");
        }
        assert_eq!(code("embed no face", call(js, "embed", &[bytes(no_face)])), "NO_FACE");
        assert_eq!(code("compare no face", call(js, "compare", &[bytes(obama), bytes(no_face), JsValue::UNDEFINED])), "NO_FACE");
        assert_eq!(code("compare no face", call(js, "compare", &[bytes(no_face), bytes(obama), JsValue::UNDEFINED])), "NO_FACE");
        let no_faces: Analysis = from_js(&analyze(bytes(no_face), "{}").expect("no face is not an error for analyze"));
        assert!(no_faces.faces.is_empty());
        assert_eq!(code("similarity lengths", call(js, "similarity", &[Array::of2(&1.into(), &2.into()).into(), Array::of1(&1.into()).into()])), "INVALID_ARGUMENT");
        assert_eq!(code("similarity type", call(js, "similarity", &["a".into(), JsValue::NULL])), "INVALID_ARGUMENT");
    });
    // The constructor: damaged, missing and mistyped models.
    assert_eq!(code("corrupt model", construct(&[models_object(&["fr_feature"]), JsValue::FALSE])), "MODEL_INVALID");
    assert_eq!(code("corrupt liveness model", construct(&[models_object(&["fr_liveness"]), JsValue::TRUE])), "MODEL_INVALID");
    let missing = models_object(&[]);
    Reflect::delete_property(missing.unchecked_ref::<Object>(), &"fr_eye".into()).expect("delete");
    assert_eq!(code("missing model", construct(&[missing, JsValue::FALSE])), "MODEL_INVALID");
    assert_eq!(code("models not an object", construct(&[42.into(), JsValue::FALSE])), "INVALID_ARGUMENT");
    let wrong = models_object(&[]);
    Reflect::set(&wrong, &"fr_detect".into(), &"bytes".into()).expect("set");
    assert_eq!(code("model not bytes", construct(&[wrong, JsValue::FALSE])), "INVALID_ARGUMENT");
    assert_eq!(code("liveness not a boolean", construct(&[models_object(&[]), "yes".into()])), "INVALID_ARGUMENT");
    assert_eq!(code("hashed not a boolean", construct(&[models_object(&[]), JsValue::FALSE, 1.into()])), "INVALID_ARGUMENT");
    // `hashed` skips only the sha256: a model of the wrong size is still refused.
    let truncated = models_object(&[]);
    let eye = MODELS.iter().find(|m| m.0 == "fr_eye").expect("fr_eye").1;
    Reflect::set(&truncated, &"fr_eye".into(), &Uint8Array::from(&eye[..eye.len() - 1])).expect("set");
    assert_eq!(code("truncated model, hashed", construct(&[truncated, JsValue::FALSE, JsValue::TRUE])), "MODEL_INVALID");
}

#[wasm_bindgen_test]
fn liveness_needs_its_model_and_the_js_constructor_works() {
    // A Map of ArrayBuffers, without the liveness model.
    let map = js_sys::Map::new();
    for (name, b) in MODELS.iter().filter(|m| m.0 != "fr_liveness") {
        map.set(&(*name).into(), &Uint8Array::from(*b).buffer());
    }
    let sdk = construct(&[map.into(), JsValue::FALSE]).unwrap_or_else(|e| panic!("constructor: {}", describe(&e)));
    assert_eq!(Reflect::get(&sdk, &"hasLiveness".into()).expect("getter"), JsValue::FALSE);
    let (png, gold) = file("id_crop");
    let r = call(&sdk, "analyze", &[bytes(png), options(r#"{"liveness": true}"#)]);
    assert_eq!(code("liveness without its model", r), "INVALID_ARGUMENT");
    let a: Analysis = from_js(&call(&sdk, "analyze", &[bytes(png), options(r#"{"embedding": false, "limit": 1}"#)]).expect("analyze"));
    assert_eq!(a.faces.len(), gold.faces.len().min(1));
    assert!(a.faces.iter().all(|f| f.embedding.is_none() && f.liveness.is_none()));
    let _ = call(&sdk, "free", &[]);
}

/// The card finder in the browser against onnxruntime (tests/reference/card_finder.py), as
/// tests/document_finder.rs checks it natively: presence within 2e-3, pooled maps within 5e-3.
#[wasm_bindgen_test]
fn card_finder_in_the_browser_matches_the_onnxruntime_reference() {
    use likeness::document::finder::{FinderMaps, Letterbox};
    const GOLDENS: &str = include_str!("fixtures/card_finder/goldens.json");
    const IMAGES: [(&str, &[u8]); 5] = [
        ("tests/fixtures/golden/obama_640x480.png", include_bytes!("fixtures/golden/obama_640x480.png")),
        ("tests/fixtures/golden/two_faces.png", include_bytes!("fixtures/golden/two_faces.png")),
        ("tests/fixtures/golden/id_crop.png", include_bytes!("fixtures/golden/id_crop.png")),
        ("tests/fixtures/card_finder/card_1280x720.png", include_bytes!("fixtures/card_finder/card_1280x720.png")),
        ("tests/fixtures/card_finder/card_720x1280.png", include_bytes!("fixtures/card_finder/card_720x1280.png")),
    ];
    let goldens: Vec<serde_json::Value> = serde_json::from_str(GOLDENS).expect("goldens.json");
    SDK.with(|sdk| {
        for g in &goldens {
            let path = g["image"].as_str().expect("image");
            let (_, png) = IMAGES.iter().find(|(p, _)| *p == path).unwrap_or_else(|| panic!("no bytes for {path}"));
            let img = decode(png, &Limits::default()).expect("decode");
            let lb = Letterbox::of(&img, likeness::constants::CARD_FINDER_SIDE);
            let out = sdk.models.card_finder.run(lb.to_input()).expect("run");
            let maps = FinderMaps::from_outputs(&out).expect("outputs");
            let presence = g["presence"].as_f64().unwrap_or(-1.0) as f32;
            assert!((maps.presence - presence).abs() < 2e-3, "{path}: presence {} vs {presence}", maps.presence);
            let want: Vec<f32> = g["mask16"].as_array().expect("mask16").iter().map(|v| v.as_f64().unwrap_or(0.0) as f32).collect();
            let worst = want.iter().enumerate().map(|(i, w)| {
                let (py, px) = (i / 16, i % 16);
                let got: f32 = (0..16).map(|j| maps.mask[(py * 4 + j / 4) * 64 + px * 4 + j % 4]).sum::<f32>() / 16.0;
                (got - w).abs()
            }).fold(0.0, f32::max);
            assert!(worst < 5e-3, "{path}: pooled mask off by {worst}");
            console_log!("card finder {path}: presence {:.4}, pooled mask within {worst:.1e}", maps.presence);
        }
    });
}
