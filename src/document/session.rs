//! Live document capture: the decisions of a camera session, frame by frame, with no camera —
//! the document twin of `capture::CaptureSession`.
//!
//! States (the selfie session's names): `searching` (no card) → `adjusting` (a card, some check
//! fails) → `holding` (every check has passed without a break; the best frame of the window —
//! sharpest portrait with least glare — is kept) → `captured` after `hold_ms`; or `timeout` after
//! `timeout_ms`, with a summary of what failed and for how long. The browser feeds
//! [`DocumentSession::update`] each analysed frame and copies the frame whenever `keep_frame`.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::capture::{FailedCheck, State, TimelineEntry};
use crate::constants::{DOCUMENT_CAPTURE_EYE_DIST, DOCUMENT_CAPTURE_MIN_SHARPNESS, GLARE_MAX_SHARE};
use crate::error::{Error, Result};

use super::guidance::{DocumentAdvice, DocumentGuidance, DocumentInstruction, DocumentMeasures, DocumentObservation};
use super::{DocumentFormat, DocumentFrame};

/// Options of a document capture session (defaults in brackets).
#[derive(Debug, Clone, PartialEq)]
pub struct DocumentSessionOptions {
    /// Every check must pass this long without a break [800 ms].
    pub hold_ms: f64,
    /// The session gives up after this long [30 000 ms].
    pub timeout_ms: f64,
    /// Hysteresis of the instructions [400 ms]; smoothing window [300 ms].
    pub min_instruction_ms: f64,
    pub smoothing_ms: f64,
    /// Only this format counts as the document [`None`: 'auto', either].
    pub format: Option<DocumentFormat>,
}

impl Default for DocumentSessionOptions {
    fn default() -> Self {
        DocumentSessionOptions { hold_ms: 800.0, timeout_ms: 30_000.0, min_instruction_ms: 400.0, smoothing_ms: 300.0, format: None }
    }
}

impl DocumentSessionOptions {
    pub fn validate(&self) -> Result<()> {
        for (name, v) in [("holdMs", self.hold_ms), ("timeoutMs", self.timeout_ms)] {
            if !(v.is_finite() && v > 0.0) {
                return Err(Error::invalid_argument(format!("{name} must be a positive number of milliseconds, got {v}")));
            }
        }
        for (name, v) in [("minInstructionMs", self.min_instruction_ms), ("smoothingMs", self.smoothing_ms)] {
            if !(v.is_finite() && v >= 0.0) {
                return Err(Error::invalid_argument(format!("{name} must be 0 or more milliseconds, got {v}")));
            }
        }
        Ok(())
    }
}

/// What the session says after a frame.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DocumentUpdate {
    pub state: State,
    pub instruction: DocumentAdvice,
    /// The instruction differs from the previous frame's.
    pub changed: bool,
    /// This frame is the best of the hold window so far: keep its pixels.
    pub keep_frame: bool,
    /// 0..1 through the hold window.
    pub hold_progress: f32,
    /// The session has ended (`captured` or `timeout`).
    pub done: bool,
}

/// The end of a session.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DocumentSummary {
    pub state: State,
    /// "auto", "ID-1" or "ID-3" (the option).
    pub format: &'static str,
    pub frames: u64,
    pub duration_ms: f64,
    /// The kept frame's timestamp (`captured` only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub frame_timestamp_ms: Option<f64>,
    pub timeline: Vec<TimelineEntry>,
    /// Every instruction other than OK, longest first, with the time it was shown.
    pub failed_checks: Vec<FailedCheck>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// One document capture attempt.
#[derive(Debug, Clone)]
pub struct DocumentSession {
    opts: DocumentSessionOptions,
    guidance: DocumentGuidance,
    state: State,
    started: Option<f64>,
    last: Option<(f64, &'static str)>,
    frames: u64,
    holding_since: Option<f64>,
    best: Option<(f64, f32)>,
    timeline: Vec<TimelineEntry>,
    shown_ms: BTreeMap<&'static str, f64>,
    reason: Option<String>,
}

impl DocumentSession {
    pub fn new(opts: DocumentSessionOptions) -> Result<DocumentSession> {
        opts.validate()?;
        let guidance = DocumentGuidance::new(opts.smoothing_ms, opts.min_instruction_ms);
        Ok(DocumentSession {
            opts,
            guidance,
            state: State::Searching,
            started: None,
            last: None,
            frames: 0,
            holding_since: None,
            best: None,
            timeline: Vec::new(),
            shown_ms: BTreeMap::new(),
            reason: None,
        })
    }

    /// Starts over cleanly with the same options.
    pub fn retry(&mut self) {
        if let Ok(fresh) = DocumentSession::new(self.opts.clone()) {
            *self = fresh;
        }
    }

    pub fn state(&self) -> State {
        self.state
    }

    /// Feeds one analysed frame. Timestamps must increase (`INVALID_ARGUMENT` otherwise; the
    /// refused frame changes nothing).
    pub fn update(&mut self, frame: &DocumentFrame) -> Result<DocumentUpdate> {
        let wanted = self.opts.format.is_none_or(|f| frame.document.is_some_and(|d| d.format == f));
        let measures = if wanted { frame.measures() } else { None };
        self.observe(DocumentObservation { timestamp_ms: frame.timestamp_ms, measures })
    }

    /// Feeds one frame's measures (what [`DocumentSession::update`] does after measuring).
    pub fn observe(&mut self, obs: DocumentObservation) -> Result<DocumentUpdate> {
        let now = obs.timestamp_ms;
        if !now.is_finite() || self.last.is_some_and(|(t, _)| now <= t) {
            return Err(Error::invalid_argument(format!("frame timestamps must increase, got {now}")));
        }
        if matches!(self.state, State::Captured | State::Timeout) {
            return Ok(self.answer(DocumentAdvice::new(DocumentInstruction::Ok, None, None), false, false));
        }
        let started = *self.started.get_or_insert(now);
        self.frames += 1;
        let (advice, smoothed) = self.guidance.update(obs);
        // The frame's own measures pick the best frame (the smoothed ones are the window's).
        let keep = self.hold(now, advice, obs.measures.as_ref().or(smoothed.as_ref()));
        if !matches!(self.state, State::Captured | State::Timeout) && now - started > self.opts.timeout_ms {
            self.state = State::Timeout;
            self.reason = Some(format!("no capture within {} ms", self.opts.timeout_ms));
        }
        let changed = self.record(now, advice);
        Ok(self.answer(advice, changed, keep))
    }

    fn hold(&mut self, now: f64, advice: DocumentAdvice, m: Option<&DocumentMeasures>) -> bool {
        if advice.instruction != DocumentInstruction::Ok {
            self.holding_since = None;
            self.best = None;
            self.state = if advice.instruction == DocumentInstruction::DocumentNotFound { State::Searching } else { State::Adjusting };
            return false;
        }
        let since = *self.holding_since.get_or_insert(now);
        self.state = State::Holding;
        // A frame without a portrait of its own (the window's median passed) is never kept.
        let score = m.and_then(frame_score);
        let keep = score.is_some_and(|s| self.best.is_none_or(|(_, best)| s > best));
        if let (true, Some(s)) = (keep, score) {
            self.best = Some((now, s));
        }
        if now - since >= self.opts.hold_ms && self.best.is_some() {
            self.state = State::Captured;
        }
        keep
    }

    fn record(&mut self, now: f64, advice: DocumentAdvice) -> bool {
        if let Some((t, code)) = self.last {
            *self.shown_ms.entry(code).or_insert(0.0) += now - t;
        }
        let changed = self.last.is_none_or(|(_, code)| code != advice.code);
        if changed {
            self.timeline.push(TimelineEntry { timestamp_ms: now, code: advice.code });
        }
        self.last = Some((now, advice.code));
        changed
    }

    fn answer(&self, instruction: DocumentAdvice, changed: bool, keep_frame: bool) -> DocumentUpdate {
        let progress = match (self.state, self.holding_since, self.last) {
            (State::Holding, Some(since), Some((now, _))) => ((now - since) / self.opts.hold_ms).clamp(0.0, 1.0) as f32,
            (State::Captured, _, _) => 1.0,
            _ => 0.0,
        };
        DocumentUpdate {
            state: self.state,
            instruction,
            changed,
            keep_frame,
            hold_progress: progress,
            done: matches!(self.state, State::Captured | State::Timeout),
        }
    }

    /// The session so far (whole once `done`).
    pub fn summary(&self) -> DocumentSummary {
        let mut failed: Vec<FailedCheck> = self
            .shown_ms
            .iter()
            .filter(|(code, _)| **code != "OK")
            .map(|(&code, &ms)| FailedCheck {
                code,
                component: DocumentInstruction::by_code(code).map_or("", |i| i.component()),
                ms,
            })
            .collect();
        failed.sort_by(|a, b| b.ms.total_cmp(&a.ms));
        DocumentSummary {
            state: self.state,
            format: self.opts.format.map_or("auto", |f| f.name()),
            frames: self.frames,
            duration_ms: match (self.started, self.last) {
                (Some(s), Some((t, _))) => t - s,
                _ => 0.0,
            },
            frame_timestamp_ms: if self.state == State::Captured { self.best.map(|b| b.0) } else { None },
            timeline: self.timeline.clone(),
            failed_checks: failed,
            reason: self.reason.clone(),
        }
    }
}

/// How good a passing frame is: the portrait's sharpness (up to 4x the minimum), then how little
/// glare, then its size (up to 2x the target).
fn frame_score(m: &DocumentMeasures) -> Option<f32> {
    let p = m.portrait?;
    let sharp = (p.sharpness / (4.0 * DOCUMENT_CAPTURE_MIN_SHARPNESS)).clamp(0.0, 1.0);
    let clear = 1.0 - (p.glare / GLARE_MAX_SHARE).clamp(0.0, 1.0);
    let size = (p.eye_dist / (2.0 * DOCUMENT_CAPTURE_EYE_DIST)).clamp(0.0, 1.0);
    Some(0.5 * sharp + 0.3 * clear + 0.2 * size)
}

#[cfg(test)]
mod tests {
    use super::super::guidance::PortraitMeasures;
    use super::*;
    use crate::constants::ID1_ASPECT;

    fn card(w: f32) -> DocumentMeasures {
        let (x, y) = (640.0 - w / 2.0, 360.0 - w / ID1_ASPECT / 2.0);
        DocumentMeasures {
            frame: [1280.0, 720.0],
            corners: [[x, y], [x + w, y], [x + w, y + w / ID1_ASPECT], [x, y + w / ID1_ASPECT]],
            portrait: Some(PortraitMeasures { eye_dist: w / 10.0, sharpness: 150.0, glare: 0.0 }),
            area_glare: 0.0,
        }
    }

    fn feed(s: &mut DocumentSession, t0: f64, n: usize, m: impl Fn(usize) -> Option<DocumentMeasures>) -> Vec<DocumentUpdate> {
        (0..n).map(|i| s.observe(DocumentObservation { timestamp_ms: t0 + i as f64 * 33.0, measures: m(i) }).unwrap()).collect()
    }

    #[test]
    fn far_then_near_then_steady_is_captured_with_the_best_frame_of_the_hold() {
        let mut s = DocumentSession::new(DocumentSessionOptions::default()).unwrap();
        let a = feed(&mut s, 0.0, 15, |_| None);
        assert!(a.iter().all(|u| u.state == State::Searching && u.instruction.code == "DOCUMENT_NOT_FOUND"));
        let b = feed(&mut s, 500.0, 20, |_| Some(card(200.0)));
        assert_eq!(b.last().unwrap().instruction.code, "MOVE_CLOSER");
        assert_eq!(b.last().unwrap().state, State::Adjusting);
        let c = feed(&mut s, 1200.0, 60, |i| {
            let mut m = card(700.0);
            if let Some(p) = m.portrait.as_mut() {
                p.sharpness = if i == 35 { 90.0 } else { 40.0 };
            }
            Some(m)
        });
        let done = c.iter().position(|u| u.done).expect("captured");
        assert_eq!(c[done].state, State::Captured);
        let sum = s.summary();
        let kept = sum.frame_timestamp_ms.unwrap();
        assert_eq!(kept, 1200.0 + 35.0 * 33.0, "the sharpest frame of the hold is kept");
        assert!(done > 35, "captured at frame {done}, before the sharp frame");
        let codes: Vec<_> = sum.timeline.iter().map(|e| e.code).collect();
        assert_eq!(codes, ["DOCUMENT_NOT_FOUND", "MOVE_CLOSER", "OK"]);
        assert!(c[done].hold_progress == 1.0 && c.iter().filter(|u| u.keep_frame).count() >= 2);
    }

    #[test]
    fn a_session_with_no_card_times_out_with_its_reason_and_retry_starts_over() {
        let opts = DocumentSessionOptions { timeout_ms: 1000.0, ..Default::default() };
        let mut s = DocumentSession::new(opts).unwrap();
        let u = feed(&mut s, 0.0, 40, |_| None);
        assert!(u.last().unwrap().done);
        let sum = s.summary();
        assert_eq!(sum.state, State::Timeout);
        assert_eq!(sum.failed_checks[0].code, "DOCUMENT_NOT_FOUND");
        assert!(sum.failed_checks[0].ms >= 1000.0);
        s.retry();
        assert_eq!(s.summary().frames, 0);
    }

    #[test]
    fn timestamps_must_increase_and_bad_options_are_refused() {
        let mut s = DocumentSession::new(DocumentSessionOptions::default()).unwrap();
        feed(&mut s, 0.0, 2, |_| None);
        let err = s.observe(DocumentObservation { timestamp_ms: 10.0, measures: None }).unwrap_err();
        assert_eq!(err.code.as_str(), "INVALID_ARGUMENT");
        assert!(s.observe(DocumentObservation { timestamp_ms: f64::NAN, measures: None }).is_err());
        for bad in [
            DocumentSessionOptions { hold_ms: 0.0, ..Default::default() },
            DocumentSessionOptions { timeout_ms: f64::INFINITY, ..Default::default() },
            DocumentSessionOptions { smoothing_ms: -1.0, ..Default::default() },
        ] {
            assert!(DocumentSession::new(bad).is_err());
        }
    }

    #[test]
    fn a_shaking_card_is_told_to_hold_still_and_is_not_captured() {
        let mut s = DocumentSession::new(DocumentSessionOptions::default()).unwrap();
        let u = feed(&mut s, 0.0, 60, |i| {
            let mut m = card(700.0);
            let dx = if i % 2 == 0 { 0.0 } else { 40.0 };
            m.corners.iter_mut().for_each(|p| p[0] += dx);
            Some(m)
        });
        assert!(u.iter().all(|u| !u.done));
        assert_eq!(u.last().unwrap().instruction.code, "HOLD_STILL");
    }
}
