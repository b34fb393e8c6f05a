//! The browser API: `#[wasm_bindgen]` bindings that expose the core as one JavaScript class,
//! `Likeness`, for the npm package (which adds model fetching, caching and a Web Worker on top).
//!
//! ```js
//! const sdk = new Likeness({ fr_detect: bytes, fr_landmark: bytes, fr_feature: bytes, fr_eye: bytes }, false, false);
//! const result = sdk.analyze(pngBytes, { limit: 1, detProbThreshold: 0.65, embedding: true, liveness: false });
//! // result = { width, height, faces: [FACE, ...] } — the face schema of the README, as the CLI prints it
//! const scan = sdk.compare(selfieBytes, documentBytes, { threshold: 'medium', reference: '0002', channel: 'WEB' });
//! const v = sdk.embed(pngBytes);               // Float32Array(512) of the largest face, or NO_FACE
//! sdk.similarity(v, other);                    // cosine of two embeddings
//! sdk.free();
//! ```
//!
//! * Models are passed as bytes keyed by their manifest name (`fr_detect`, …; `fr_liveness` only
//!   when `liveness` is true), as a plain object or a `Map`; values are `Uint8Array`,
//!   `ArrayBuffer` or any other `ArrayBufferView`. Each is checked against the manifest's sha256,
//!   unless the third argument, `hashed`, is true: the caller (the npm package, with the browser's
//!   SubtleCrypto) has compared every sha256 already, and only the sizes are checked again.
//! * An image is either encoded bytes (`Uint8Array`, `ArrayBuffer`, any `ArrayBufferView`: JPEG,
//!   PNG, WebP, BMP, GIF, TIFF) or an `ImageData`-like object `{ width, height, data }` with RGBA
//!   pixels (what `getImageData` returns). `analyzeRgba(width, height, rgba, options)` is the
//!   explicit form of the latter.
//! * Results are built by serialising the core's structs to JSON and `JSON.parse`-ing them, so a
//!   result object is exactly what the CLI prints (same field names, same `f32` values).
//! * Every failure throws a JavaScript `Error` whose `code` property is the core's stable code
//!   (`INVALID_ARGUMENT`, `IMAGE_DECODE_FAILED`, `UNSUPPORTED_FORMAT`, `NO_FACE`, `MODEL_INVALID`,
//!   …) and whose `message` is the core's message. Arguments of the wrong type, unknown option
//!   names and out-of-range values are `INVALID_ARGUMENT`; nothing here panics on input.

use std::collections::HashMap;

use js_sys::{Array, ArrayBuffer, Float32Array, Object, Reflect, Uint8Array, JSON};
use serde::Serialize;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use crate::decode::{decode, from_rgba};
use crate::error::{Error, ErrorCode};
use crate::model::{Integrity, ModelKind, MANIFEST_JSON};
use crate::raster::RgbImage;
use crate::{AnalyzeOptions, CompareOptions, Threshold};

/// The face SDK with its models loaded (`Likeness` in JavaScript).
#[wasm_bindgen(js_name = Likeness)]
pub struct WasmLikeness {
    sdk: crate::Likeness,
    /// What `detectForVideo` carries from one frame to the next.
    video: std::cell::RefCell<crate::VideoTracker>,
}

#[wasm_bindgen(js_class = Likeness)]
impl WasmLikeness {
    /// `new Likeness(models, liveness, hashed)`: `models` maps manifest names to model bytes;
    /// `liveness` also loads `fr_liveness` (needed for `analyze(…, { liveness: true })`);
    /// `hashed` (default false) skips the sha256 check the caller has already done.
    /// Throws `MODEL_INVALID` for a missing or corrupt model.
    #[wasm_bindgen(constructor)]
    pub fn new(models: JsValue, liveness: JsValue, hashed: JsValue) -> Result<WasmLikeness, JsValue> {
        WasmLikeness::load(&models, &liveness, &hashed).map_err(to_js)
    }

    /// The bundled `models/manifest.json` (file names, sizes, sha256 of every model).
    #[wasm_bindgen(js_name = manifest)]
    pub fn manifest() -> Result<JsValue, JsValue> {
        JSON::parse(MANIFEST_JSON).map_err(|_| to_js(Error::new(ErrorCode::Internal, "manifest.json is not JSON")))
    }

    /// The manifest names of the models `new Likeness(models, liveness)` needs.
    #[wasm_bindgen(js_name = requiredModels)]
    pub fn required_models(liveness: bool) -> Array {
        required(liveness).iter().map(|k| JsValue::from_str(k.name())).collect()
    }

    /// Whether the liveness model is loaded.
    #[wasm_bindgen(getter, js_name = hasLiveness)]
    pub fn has_liveness(&self) -> bool {
        self.sdk.models.liveness.is_some()
    }

    /// Every face of an image (largest first): `{ width, height, faces: [FACE, ...] }`.
    /// Options: `limit`, `detProbThreshold`, `embedding` (default true), `liveness` (default false).
    pub fn analyze(&self, image: JsValue, options: JsValue) -> Result<JsValue, JsValue> {
        self.try_analyze(&image, &options).map_err(to_js)
    }

    /// `analyze` on raw RGBA pixels (`ImageData.data`): `rgba.length` must be `width * height * 4`.
    #[wasm_bindgen(js_name = analyzeRgba)]
    pub fn analyze_rgba(&self, width: JsValue, height: JsValue, rgba: JsValue, options: JsValue) -> Result<JsValue, JsValue> {
        (|| -> Result<JsValue, Error> {
            let opts = analyze_options(&options)?;
            let img = rgba_image(&width, &height, &rgba, &self.sdk)?;
            to_object(&self.sdk.analyze(&img, &opts)?)
        })()
        .map_err(to_js)
    }

    /// The seed 004 scan record for the largest face of a selfie and of a document photo.
    /// Options: `threshold` (`'strict'`, `'medium'`, `'low'` or a number in [-1, 1]), `mode`
    /// (`'auto'` (default), `'selfie'` or `'document'`),
    /// `reference` (string or null), `channel` (default `'WEB'`), `includeEmbeddings` (default false).
    /// Throws `NO_FACE` when either image has no face.
    pub fn compare(&self, selfie: JsValue, document: JsValue, options: JsValue) -> Result<JsValue, JsValue> {
        (|| -> Result<JsValue, Error> {
            let opts = compare_options(&options)?;
            let selfie = read_image(&selfie, &self.sdk, "selfie")?;
            let document = read_image(&document, &self.sdk, "document")?;
            to_object(&self.sdk.compare(&selfie, &document, &opts)?)
        })()
        .map_err(to_js)
    }

    /// The 512-D embedding of the largest face as a `Float32Array`; `NO_FACE` when there is none.
    pub fn embed(&self, image: JsValue) -> Result<Float32Array, JsValue> {
        (|| -> Result<Float32Array, Error> {
            let img = read_image(&image, &self.sdk, "image")?;
            let face = self.sdk.largest_face(&img, &AnalyzeOptions::default(), "image")?;
            let v = face.embedding.ok_or_else(|| Error::no_face("the face could not be embedded"))?;
            Ok(Float32Array::from(&v[..]))
        })()
        .map_err(to_js)
    }

    /// Cosine similarity of two embeddings (`Float32Array`, `Float64Array` or arrays of numbers),
    /// as the number a scan record's `compare_similarity` shows (the shortest form of the f32).
    pub fn similarity(&self, a: JsValue, b: JsValue) -> Result<f64, JsValue> {
        (|| -> Result<f64, Error> {
            let s = crate::similarity(&floats(&a, "a")?, &floats(&b, "b")?)?;
            Ok(s.to_string().parse::<f64>().unwrap_or(f64::from(s)))
        })()
        .map_err(to_js)
    }

    /// The benchmark's hook (bench/web: per-model times beside onnxruntime-web's; not part of
    /// the documented API): one bare run of model `name` (`fr_detect`, `fr_landmark`,
    /// `fr_feature`, `fr_eye`, `fr_liveness`) on `input`, its NCHW f32 input tensor. Returns how
    /// many output values it produced. Throws `INVALID_ARGUMENT` for an unknown or unloaded
    /// model, `INTERNAL` for an input of the wrong length.
    #[doc(hidden)]
    #[wasm_bindgen(js_name = runModel)]
    pub fn run_model(&self, name: &str, input: Vec<f32>) -> Result<usize, JsValue> {
        let outputs = self.model(name)?.run(input).map_err(to_js)?;
        Ok(outputs.iter().map(Vec::len).sum())
    }

    /// The benchmark's per-op profile (bench/web; not part of the documented API): one run of
    /// model `name` on `input` as [`WasmLikeness::run_model`], timed node by node with
    /// `performance.now()`. Returns `[[op kind, ms], ...]`, slowest first.
    #[doc(hidden)]
    #[wasm_bindgen(js_name = profileModel)]
    pub fn profile_model(&self, name: &str, input: Vec<f32>) -> Result<JsValue, JsValue> {
        let times = self.model(name)?.profile(input, &crate::clock::performance_now).map_err(to_js)?;
        let out = Array::new();
        for (kind, ms) in times {
            out.push(&Array::of2(&kind.into(), &ms.into()));
        }
        Ok(out.into())
    }
}

impl WasmLikeness {
    /// A loaded model by manifest name (the benchmark hooks), or `INVALID_ARGUMENT`.
    fn model(&self, name: &str) -> Result<&crate::model::Model, JsValue> {
        let m = &self.sdk.models;
        let model = match name {
            "fr_detect" => Some(&m.detect),
            "fr_landmark" => Some(&m.landmark),
            "fr_feature" => Some(&m.feature),
            "fr_eye" => Some(&m.eye),
            "fr_liveness" => m.liveness.as_ref(),
            "card_finder" => Some(&m.card_finder),
            _ => None,
        };
        model.ok_or_else(|| to_js(Error::invalid_argument(format!("no model {name:?} is loaded"))))
    }

    fn load(models: &JsValue, liveness: &JsValue, hashed: &JsValue) -> Result<WasmLikeness, Error> {
        let liveness = optional_boolean(liveness, "liveness")?;
        let integrity = if optional_boolean(hashed, "hashed")? { Integrity::SizeOnly } else { Integrity::Sha256 };
        if !models.is_object() || models.is_array() {
            return Err(Error::invalid_argument(
                "models must be an object (or Map) of model bytes keyed by manifest name, e.g. { fr_detect: Uint8Array, ... }",
            ));
        }
        let map = models.dyn_ref::<js_sys::Map>();
        let mut bytes: HashMap<ModelKind, Vec<u8>> = HashMap::new();
        for &kind in required(liveness) {
            let key = JsValue::from_str(kind.name());
            let value = match map {
                Some(m) => m.get(&key),
                None => Reflect::get(models, &key).map_err(|_| Error::invalid_argument("models could not be read"))?,
            };
            if value.is_undefined() || value.is_null() {
                continue; // the core reports the missing model as MODEL_INVALID
            }
            let b = byte_vec(&value)
                .ok_or_else(|| Error::invalid_argument(format!("models.{} must be a Uint8Array or ArrayBuffer", kind.name())))?;
            bytes.insert(kind, b);
        }
        let sdk = crate::Likeness::from_bytes_checked(|kind| bytes.remove(&kind), liveness, integrity)?;
        Ok(WasmLikeness { sdk, video: Default::default() })
    }

    pub(crate) fn sdk(&self) -> &crate::Likeness {
        &self.sdk
    }

    pub(crate) fn video(&self) -> &std::cell::RefCell<crate::VideoTracker> {
        &self.video
    }

    fn try_analyze(&self, image: &JsValue, options: &JsValue) -> Result<JsValue, Error> {
        let opts = analyze_options(options)?;
        let img = read_image(image, &self.sdk, "image")?;
        to_object(&self.sdk.analyze(&img, &opts)?)
    }
}

fn required(liveness: bool) -> &'static [ModelKind] {
    if liveness {
        &[ModelKind::Detect, ModelKind::Landmark, ModelKind::Feature, ModelKind::Eye, ModelKind::CardFinder, ModelKind::Liveness]
    } else {
        &[ModelKind::Detect, ModelKind::Landmark, ModelKind::Feature, ModelKind::Eye, ModelKind::CardFinder]
    }
}

/// The core error as a JS `Error` with `code` (and `name = 'LikenessError'`).
pub(crate) fn to_js(e: Error) -> JsValue {
    let err = js_sys::Error::new(&e.message);
    err.set_name("LikenessError");
    // Setting a property on a fresh Error object cannot fail; ignore the impossible case.
    let _ = Reflect::set(&err, &JsValue::from_str("code"), &JsValue::from_str(e.code.as_str()));
    if !e.details.is_empty() {
        let details = js_sys::Object::new();
        for (name, value) in &e.details {
            let _ = Reflect::set(&details, &JsValue::from_str(name), &JsValue::from_f64(*value));
        }
        let _ = Reflect::set(&err, &JsValue::from_str("details"), &details);
    }
    err.into()
}

/// Serialises through JSON so the object is exactly what the CLI prints.
pub(crate) fn to_object<T: Serialize>(value: &T) -> Result<JsValue, Error> {
    let text = serde_json::to_string(value).map_err(|e| Error::new(ErrorCode::Internal, format!("serialising the result: {e}")))?;
    JSON::parse(&text).map_err(|_| Error::new(ErrorCode::Internal, "the result is not valid JSON"))
}

/// A session's frame argument (a `detectForVideo` / `detectDocumentForVideo` result, `what`) as
/// JSON text, for serde.
pub(crate) fn frame_json(frame: &JsValue, what: &str) -> Result<String, Error> {
    JSON::stringify(frame)
        .ok()
        .and_then(|s| s.as_string())
        .ok_or_else(|| Error::invalid_argument(format!("frame must be a {what} result")))
}

/// Copies encoded or raw bytes out of a `Uint8Array`, `ArrayBuffer` or other `ArrayBufferView`.
pub(crate) fn byte_vec(value: &JsValue) -> Option<Vec<u8>> {
    if let Some(a) = value.dyn_ref::<Uint8Array>() {
        return Some(a.to_vec());
    }
    if let Some(b) = value.dyn_ref::<ArrayBuffer>() {
        // A detached (transferred) buffer has length 0, and `new Uint8Array` on it would throw.
        if b.byte_length() == 0 {
            return Some(Vec::new());
        }
        return Some(Uint8Array::new(b).to_vec());
    }
    if ArrayBuffer::is_view(value) {
        // Uint8ClampedArray, DataView, other typed arrays: their bytes, as a view would give them.
        let buffer = Reflect::get(value, &"buffer".into()).ok()?.dyn_into::<ArrayBuffer>().ok()?;
        let offset = Reflect::get(value, &"byteOffset".into()).ok()?.as_f64()?;
        let length = Reflect::get(value, &"byteLength".into()).ok()?.as_f64()?;
        return Some(Uint8Array::new_with_byte_offset_and_length(&buffer, offset as u32, length as u32).to_vec());
    }
    None
}

/// An image argument: encoded bytes, or an `ImageData`-like `{ width, height, data }` of RGBA.
pub(crate) fn read_image(value: &JsValue, sdk: &crate::Likeness, what: &str) -> Result<RgbImage, Error> {
    if let Some(bytes) = byte_vec(value) {
        return decode(&bytes, &sdk.limits);
    }
    if value.is_object() && !value.is_array() {
        let get = |k: &str| Reflect::get(value, &JsValue::from_str(k)).unwrap_or(JsValue::UNDEFINED);
        let (w, h, data) = (get("width"), get("height"), get("data"));
        if !w.is_undefined() && !h.is_undefined() && !data.is_undefined() {
            return rgba_image(&w, &h, &data, sdk);
        }
    }
    Err(Error::invalid_argument(format!(
        "{what} must be encoded image bytes (Uint8Array or ArrayBuffer) or an ImageData-like {{ width, height, data }}"
    )))
}

fn rgba_image(width: &JsValue, height: &JsValue, rgba: &JsValue, sdk: &crate::Likeness) -> Result<RgbImage, Error> {
    let width = dimension(width, "width")?;
    let height = dimension(height, "height")?;
    let data = byte_vec(rgba)
        .ok_or_else(|| Error::invalid_argument("rgba must be a Uint8Array, Uint8ClampedArray or ArrayBuffer of RGBA pixels"))?;
    from_rgba(width, height, &data, &sdk.limits)
}

fn dimension(v: &JsValue, name: &str) -> Result<u32, Error> {
    match v.as_f64() {
        Some(n) if n.fract() == 0.0 && (0.0..=u32::MAX as f64).contains(&n) => Ok(n as u32),
        _ => Err(Error::invalid_argument(format!("{name} must be a non-negative integer"))),
    }
}

pub(crate) fn floats(v: &JsValue, name: &str) -> Result<Vec<f32>, Error> {
    if let Some(a) = v.dyn_ref::<Float32Array>() {
        return Ok(a.to_vec());
    }
    if let Some(a) = v.dyn_ref::<js_sys::Float64Array>() {
        return Ok(a.to_vec().into_iter().map(|x| x as f32).collect());
    }
    if let Some(a) = v.dyn_ref::<Array>() {
        return a
            .iter()
            .map(|x| x.as_f64().map(|f| f as f32))
            .collect::<Option<Vec<_>>>()
            .ok_or_else(|| Error::invalid_argument(format!("{name} must contain only numbers")));
    }
    Err(Error::invalid_argument(format!("{name} must be a Float32Array or an array of numbers")))
}

/// The own enumerable keys of an options object (`undefined`/`null` = no options), each checked
/// against `known` so a misspelt option is an error instead of being silently ignored.
pub(crate) fn option_entries(options: &JsValue, known: &[&str]) -> Result<Vec<(String, JsValue)>, Error> {
    if options.is_undefined() || options.is_null() {
        return Ok(Vec::new());
    }
    if !options.is_object() || options.is_array() || options.is_function() {
        return Err(Error::invalid_argument("options must be an object"));
    }
    let obj: &Object = options.unchecked_ref();
    let mut out = Vec::new();
    for key in Object::keys(obj).iter() {
        let name = key.as_string().unwrap_or_default();
        if !known.contains(&name.as_str()) {
            return Err(Error::invalid_argument(format!("unknown option {name:?} (known: {})", known.join(", "))));
        }
        let value = Reflect::get(obj, &key).map_err(|_| Error::invalid_argument(format!("option {name} could not be read")))?;
        if !value.is_undefined() {
            out.push((name, value));
        }
    }
    Ok(out)
}

/// A boolean argument that may be left out (`undefined` or `null`: false).
fn optional_boolean(v: &JsValue, name: &str) -> Result<bool, Error> {
    if v.is_undefined() || v.is_null() {
        return Ok(false);
    }
    boolean(v, name)
}

pub(crate) fn boolean(v: &JsValue, name: &str) -> Result<bool, Error> {
    v.as_bool().ok_or_else(|| Error::invalid_argument(format!("{name} must be a boolean")))
}

pub(crate) fn string(v: &JsValue, name: &str) -> Result<String, Error> {
    v.as_string().ok_or_else(|| Error::invalid_argument(format!("{name} must be a string")))
}

pub(crate) fn analyze_options(options: &JsValue) -> Result<AnalyzeOptions, Error> {
    analyze_options_with(options, AnalyzeOptions::default(), &[])
}

/// `analyze`'s options from `defaults`, with `extra` option names left to the caller.
pub(crate) fn analyze_options_with(options: &JsValue, defaults: AnalyzeOptions, extra: &[&str]) -> Result<AnalyzeOptions, Error> {
    let mut opts = defaults;
    let known: Vec<&str> = ["limit", "detProbThreshold", "embedding", "liveness"].iter().chain(extra).copied().collect();
    for (name, v) in option_entries(options, &known)? {
        match name.as_str() {
            "limit" if v.is_null() => opts.detect.limit = None,
            "limit" => match v.as_f64() {
                Some(n) if n.fract() == 0.0 && n >= 1.0 && n <= u32::MAX as f64 => opts.detect.limit = Some(n as usize),
                _ => return Err(Error::invalid_argument("limit must be a positive integer (or null for no limit)")),
            },
            "detProbThreshold" => {
                opts.detect.det_prob_threshold = v
                    .as_f64()
                    .map(|t| t as f32)
                    .ok_or_else(|| Error::invalid_argument("detProbThreshold must be a number in [0, 1]"))?
            }
            "embedding" => opts.embedding = boolean(&v, "embedding")?,
            "liveness" => opts.liveness = boolean(&v, "liveness")?,
            _ => {}
        }
    }
    opts.detect.validate()?;
    Ok(opts)
}

/// `'strict'`, `'medium'`, `'low'` or a number in [-1, 1].
pub(crate) fn threshold(v: &JsValue) -> Result<Threshold, Error> {
    if let Some(s) = v.as_string() {
        return s.parse::<Threshold>();
    }
    match v.as_f64() {
        Some(t) if (-1.0..=1.0).contains(&t) => Ok(Threshold::Value(t as f32)),
        Some(t) => Err(Error::invalid_argument(format!("threshold must be in [-1, 1], got {t}"))),
        None => Err(Error::invalid_argument("threshold must be 'strict', 'medium', 'low' or a number in [-1, 1]")),
    }
}

fn compare_options(options: &JsValue) -> Result<CompareOptions, Error> {
    let mut opts = CompareOptions::default();
    for (name, v) in option_entries(options, &["threshold", "mode", "reference", "channel", "includeEmbeddings"])? {
        match name.as_str() {
            "threshold" => opts.threshold = threshold(&v)?,
            "mode" => opts.mode = string(&v, "mode")?.parse()?,
            "reference" if v.is_null() => opts.reference = None,
            "reference" => opts.reference = Some(string(&v, "reference")?),
            "channel" => opts.channel = string(&v, "channel")?,
            "includeEmbeddings" => opts.include_embeddings = boolean(&v, "includeEmbeddings")?,
            _ => {}
        }
    }
    Ok(opts)
}
