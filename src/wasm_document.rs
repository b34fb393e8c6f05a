//! The ID-document bindings: `Likeness.analyzeDocument`, `Likeness.detectDocumentForVideo` and
//! the `DocumentSession` class (src/document; the npm package's js/capture.js drives them).
//!
//! ```js
//! const doc = sdk.analyzeDocument(jpegBytes);
//! // doc = { width, height, document: { format, corners, score } | null,
//! //         card: { width, height, data: Uint8ClampedArray /* RGBA */ } | null,
//! //         portrait: { ...FACE, box_in_card, box_in_frame, eye_dist_frame, glare, print } | null,
//! //         ghost_faces, instruction: { code, value, limit } }
//! const frame = sdk.detectDocumentForVideo(imageData, performance.now());   // no embedding, no card pixels
//! const session = new DocumentSession({ holdMs: 800, timeoutMs: 30000, format: 'auto' });
//! const update = session.update(frame);   // { state, instruction, changed, keep_frame, hold_progress, done }
//! session.summary();                      // { state, frames, timeline, failed_checks, reason }
//! ```
//!
//! The card comes back as RGBA pixels (what `ImageData` holds): the package turns them into an
//! `ImageData` and a JPEG `Blob` (the JPEG encoder is the browser's, not compiled in here).

use js_sys::{Object, Reflect, Uint8ClampedArray};
use serde::Deserialize;
use wasm_bindgen::prelude::*;

use crate::document::{
    CardQuad, DocumentAdvice, DocumentFormat, DocumentFrame, DocumentInstruction, DocumentSession, DocumentSessionOptions, Portrait, Print,
    Quad,
};
use crate::error::Error;
use crate::face::Face;
use crate::raster::RgbImage;
use crate::wasm::{frame_json, option_entries, read_image, string, to_js, to_object, WasmLikeness};

#[wasm_bindgen(js_class = Likeness)]
impl WasmLikeness {
    /// The ID document in a photo: the card's corners, the rectified card (RGBA), the main
    /// portrait with its embedding, its quality, and the instruction a live capture would give.
    /// No card is not an error (`document: null`, instruction `DOCUMENT_NOT_FOUND`).
    #[wasm_bindgen(js_name = analyzeDocument)]
    pub fn analyze_document(&self, image: JsValue, options: JsValue) -> Result<JsValue, JsValue> {
        (|| -> Result<JsValue, Error> {
            option_entries(&options, &[])?;
            let img = read_image(&image, self.sdk(), "image")?;
            let analysis = self.sdk().analyze_document(&img)?;
            let out = to_object(&analysis)?;
            let card = match &analysis.card {
                Some(card) => rgba_object(card)?,
                None => JsValue::NULL,
            };
            set(&out, "card", &card)?;
            Ok(out)
        })()
        .map_err(to_js)
    }

    /// One camera frame of a live document capture: the card, the portrait (no embedding) and
    /// the measures `DocumentSession.update` reads. `timestampMs` must be a finite number.
    #[wasm_bindgen(js_name = detectDocumentForVideo)]
    pub fn detect_document_for_video(&self, image: JsValue, timestamp_ms: JsValue, options: JsValue) -> Result<JsValue, JsValue> {
        (|| -> Result<JsValue, Error> {
            option_entries(&options, &[])?;
            let ts = timestamp_ms.as_f64().ok_or_else(|| Error::invalid_argument("timestampMs must be a number"))?;
            let img = read_image(&image, self.sdk(), "image")?;
            to_object(&self.sdk().detect_document_for_video(&img, ts)?)
        })()
        .map_err(to_js)
    }
}

/// `{ width, height, data: Uint8ClampedArray }` of RGBA pixels, as `ImageData` holds them.
fn rgba_object(img: &RgbImage) -> Result<JsValue, Error> {
    let rgba: Vec<u8> = img.as_raw().chunks_exact(3).flat_map(|p| [p[0], p[1], p[2], 255]).collect();
    let out: JsValue = Object::new().into();
    set(&out, "width", &JsValue::from(img.width()))?;
    set(&out, "height", &JsValue::from(img.height()))?;
    set(&out, "data", &Uint8ClampedArray::from(&rgba[..]).into())?;
    Ok(out)
}

fn set(target: &JsValue, key: &str, value: &JsValue) -> Result<(), Error> {
    Reflect::set(target, &JsValue::from_str(key), value)
        .map(|_| ())
        .map_err(|_| Error::new(crate::error::ErrorCode::Internal, format!("could not set {key} on the result")))
}

/// One document capture attempt's decisions (`DocumentSession` in JavaScript).
#[wasm_bindgen(js_name = DocumentSession)]
pub struct WasmDocumentSession {
    session: DocumentSession,
}

#[wasm_bindgen(js_class = DocumentSession)]
impl WasmDocumentSession {
    /// Options: `holdMs`, `timeoutMs`, `minInstructionMs`, `smoothingMs`, `format`
    /// ('auto' | 'ID-1' | 'ID-3').
    #[wasm_bindgen(constructor)]
    pub fn new(options: JsValue) -> Result<WasmDocumentSession, JsValue> {
        (|| -> Result<WasmDocumentSession, Error> { Ok(WasmDocumentSession { session: DocumentSession::new(session_options(&options)?)? }) })()
            .map_err(to_js)
    }

    /// Feeds one `detectDocumentForVideo` result; returns what to show and whether to keep the frame.
    pub fn update(&mut self, frame: JsValue) -> Result<JsValue, JsValue> {
        (|| -> Result<JsValue, Error> {
            to_object(&self.session.update(&frame_from_json(&frame_json(&frame, "detectDocumentForVideo")?)?)?)
        })()
        .map_err(to_js)
    }

    /// The attempt so far: state, frames, timeline, failed checks with durations, reason.
    pub fn summary(&self) -> Result<JsValue, JsValue> {
        to_object(&self.session.summary()).map_err(to_js)
    }

    /// Starts over cleanly.
    pub fn retry(&mut self) {
        self.session.retry();
    }
}

fn session_options(options: &JsValue) -> Result<DocumentSessionOptions, Error> {
    let mut o = DocumentSessionOptions::default();
    for (name, v) in option_entries(options, &["holdMs", "timeoutMs", "minInstructionMs", "smoothingMs", "format"])? {
        let ms = || v.as_f64().ok_or_else(|| Error::invalid_argument(format!("{name} must be a number of milliseconds")));
        match name.as_str() {
            "holdMs" => o.hold_ms = ms()?,
            "timeoutMs" => o.timeout_ms = ms()?,
            "minInstructionMs" => o.min_instruction_ms = ms()?,
            "smoothingMs" => o.smoothing_ms = ms()?,
            "format" => o.format = DocumentFormat::parse_option(&string(&v, "format")?)?,
            _ => {}
        }
    }
    Ok(o)
}

/// A `detectDocumentForVideo` result as it comes back from JavaScript (it may have crossed from
/// a worker as JSON-like data): the frame exactly as the core made it. The portrait is a FACE
/// with the portrait's own fields beside it (serialised flat), so it is read twice.
#[derive(Deserialize)]
struct WireFrame {
    width: u32,
    height: u32,
    timestamp_ms: f64,
    document: Option<WireQuad>,
    portrait: Option<serde_json::Value>,
    #[serde(default)]
    ghost_faces: Vec<[f32; 4]>,
    #[serde(default)]
    portrait_area_glare: f32,
    instruction: WireAdvice,
}

#[derive(Deserialize)]
struct WireQuad {
    format: DocumentFormat,
    corners: Quad,
    score: f32,
}

#[derive(Deserialize)]
struct WirePortrait {
    box_in_card: [f32; 4],
    box_in_frame: Quad,
    eye_dist_frame: f32,
    glare: f32,
    print: Print,
}

#[derive(Deserialize)]
struct WireAdvice {
    instruction: DocumentInstruction,
    value: Option<f32>,
    limit: Option<f32>,
}

fn frame_from_json(text: &str) -> Result<DocumentFrame, Error> {
    let bad = |e: serde_json::Error| Error::invalid_argument(format!("frame must be a detectDocumentForVideo result: {e}"));
    let w: WireFrame = serde_json::from_str(text).map_err(bad)?;
    let portrait = match w.portrait {
        None => None,
        Some(v) => {
            let face = Face::deserialize(&v).map_err(bad)?;
            let p = WirePortrait::deserialize(&v).map_err(bad)?;
            Some(Portrait {
                box_in_card: p.box_in_card,
                box_in_frame: p.box_in_frame,
                eye_dist_frame: p.eye_dist_frame,
                sharpness: face.sharpness,
                glare: p.glare,
                print: p.print,
                face,
            })
        }
    };
    Ok(DocumentFrame {
        width: w.width,
        height: w.height,
        timestamp_ms: w.timestamp_ms,
        document: w.document.map(|q| CardQuad { format: q.format, corners: q.corners, score: q.score }),
        portrait,
        ghost_faces: w.ghost_faces,
        portrait_area_glare: w.portrait_area_glare,
        instruction: DocumentAdvice::new(w.instruction.instruction, w.instruction.value, w.instruction.limit),
    })
}
