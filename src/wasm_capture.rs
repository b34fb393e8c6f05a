//! The live-capture bindings: `Likeness.detectForVideo` and the `CaptureSession` class.
//!
//! ```js
//! const frame = sdk.detectForVideo(imageData, performance.now(), { tracking: true });
//! // frame = { width, height, timestamp_ms, method: 'tracked' | 'detected', faces, ignored_faces, light_balance }
//! const session = new CaptureSession({ profile: 'selfie', holdMs: 1000, timeoutMs: 30000, activeLiveness: false });
//! const update = session.update(frame);   // { state, instruction: { code, component, value, limit }, keep_frame, hold_progress, done }
//! session.summary();                      // { state, frames, timeline, failed_checks, reason, liveness }
//! ```

use wasm_bindgen::prelude::*;

use crate::capture::guidance::Profile;
use crate::capture::{CaptureSession, SessionOptions};
use crate::error::Error;
use crate::video::{VideoFrame, VideoOptions};
use crate::wasm::{analyze_options_with, boolean, frame_json, option_entries, read_image, string, to_js, to_object, WasmLikeness};

#[wasm_bindgen(js_class = Likeness)]
impl WasmLikeness {
    /// One camera frame (MediaPipe's `detectForVideo`): `analyze`'s options with the embedding off
    /// by default, plus `tracking` (default true) and `redetectEvery` (default 10 frames).
    /// `timestampMs` must increase from call to call (`INVALID_ARGUMENT` otherwise; the next
    /// good one works).
    #[wasm_bindgen(js_name = detectForVideo)]
    pub fn detect_for_video(&self, image: JsValue, timestamp_ms: JsValue, options: JsValue) -> Result<JsValue, JsValue> {
        (|| -> Result<JsValue, Error> {
            let opts = video_options(&options)?;
            let ts = timestamp_ms.as_f64().ok_or_else(|| Error::invalid_argument("timestampMs must be a number"))?;
            let img = read_image(&image, self.sdk(), "image")?;
            let mut tracker = self.video().try_borrow_mut().map_err(|_| Error::invalid_argument("detectForVideo is already running"))?;
            to_object(&self.sdk().detect_for_video(&mut tracker, &img, ts, &opts)?)
        })()
        .map_err(to_js)
    }

    /// Forgets the tracked face and the last timestamp (a new camera session).
    #[wasm_bindgen(js_name = resetVideo)]
    pub fn reset_video(&self) {
        if let Ok(mut t) = self.video().try_borrow_mut() {
            t.reset();
        }
    }
}

fn video_options(options: &JsValue) -> Result<VideoOptions, Error> {
    let mut opts = VideoOptions::default();
    opts.analyze = analyze_options_with(options, opts.analyze, &["tracking", "redetectEvery"])?;
    for (name, v) in option_entries(options, &["limit", "detProbThreshold", "embedding", "liveness", "tracking", "redetectEvery"])? {
        match name.as_str() {
            "tracking" => opts.tracking = boolean(&v, "tracking")?,
            "redetectEvery" => match v.as_f64() {
                Some(n) if n.fract() == 0.0 && (1.0..=10_000.0).contains(&n) => opts.redetect_every = n as u32,
                _ => return Err(Error::invalid_argument("redetectEvery must be an integer from 1 to 10000")),
            },
            _ => {}
        }
    }
    Ok(opts)
}

/// One capture attempt's decisions (`CaptureSession` in JavaScript).
#[wasm_bindgen(js_name = CaptureSession)]
pub struct WasmCaptureSession {
    session: CaptureSession,
}

#[wasm_bindgen(js_class = CaptureSession)]
impl WasmCaptureSession {
    /// Options: `profile` ('selfie' | 'icao'), `holdMs`, `timeoutMs`, `minInstructionMs`,
    /// `smoothingMs`, `activeLiveness`, `challengeMouth`, `stepMs`.
    #[wasm_bindgen(constructor)]
    pub fn new(options: JsValue) -> Result<WasmCaptureSession, JsValue> {
        (|| -> Result<WasmCaptureSession, Error> {
            Ok(WasmCaptureSession { session: CaptureSession::new(session_options(&options)?, random())? })
        })()
        .map_err(to_js)
    }

    /// Feeds one `detectForVideo` result; returns what to show and whether to keep the frame.
    pub fn update(&mut self, frame: JsValue) -> Result<JsValue, JsValue> {
        (|| -> Result<JsValue, Error> {
            let text = frame_json(&frame, "detectForVideo")?;
            let frame: VideoFrame = serde_json::from_str(&text)
                .map_err(|e| Error::invalid_argument(format!("frame must be a detectForVideo result: {e}")))?;
            to_object(&self.session.update(&frame)?)
        })()
        .map_err(to_js)
    }

    /// The session so far: state, frames, timeline, failed checks with durations, liveness.
    pub fn summary(&self) -> Result<JsValue, JsValue> {
        to_object(&self.session.summary()).map_err(to_js)
    }

    /// Starts over cleanly, with a newly drawn challenge.
    pub fn retry(&mut self) {
        self.session.retry(random());
    }
}

fn session_options(options: &JsValue) -> Result<SessionOptions, Error> {
    let mut o = SessionOptions::default();
    let known = ["profile", "holdMs", "timeoutMs", "minInstructionMs", "smoothingMs", "activeLiveness", "challengeMouth", "stepMs"];
    for (name, v) in option_entries(options, &known)? {
        let ms = || v.as_f64().ok_or_else(|| Error::invalid_argument(format!("{name} must be a number of milliseconds")));
        match name.as_str() {
            "profile" => {
                let p = string(&v, "profile")?;
                o.profile = Profile::by_name(&p).ok_or_else(|| Error::invalid_argument(format!("unknown profile {p:?} (known: selfie, icao)")))?;
            }
            "holdMs" => o.hold_ms = ms()?,
            "timeoutMs" => o.timeout_ms = ms()?,
            "minInstructionMs" => o.min_instruction_ms = ms()?,
            "smoothingMs" => o.smoothing_ms = ms()?,
            "stepMs" => o.step_ms = ms()?,
            "activeLiveness" => o.challenge = boolean(&v, "activeLiveness")?,
            "challengeMouth" => o.challenge_mouth = boolean(&v, "challengeMouth")?,
            _ => {}
        }
    }
    Ok(o)
}

/// A random number for the challenge draw (the browser's CSPRNG through getrandom).
fn random() -> u64 {
    let mut b = [0u8; 8];
    let _ = getrandom::fill(&mut b);
    u64::from_le_bytes(b)
}
