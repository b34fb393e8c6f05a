//! Live selfie capture: the decisions of a camera session, frame by frame, with no camera.
//!
//! States: `searching` (no face) → `adjusting` (a face, some check fails) → `holding` (every
//! check has passed without a break; the best frame of the window is kept) → `captured` after
//! `hold_ms`, or first `challenge` when active liveness is on; `timeout` after `timeout_ms`
//! (or a failed challenge step), with a summary of what failed and for how long. The browser
//! side (js/capture.js) owns the camera and the pixels: it feeds [`CaptureSession::update`]
//! each analysed frame and copies the frame whenever the update says `keep_frame`.

pub mod challenge;
pub mod guidance;

use std::collections::BTreeMap;

use serde::Serialize;

use crate::error::{Error, Result};
use crate::video::VideoFrame;
use challenge::{Challenge, Progress};
use guidance::{advise, Advice, FaceMeasures, Guidance, Instruction, Observation, Profile};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum State {
    Searching,
    Adjusting,
    Holding,
    Challenge,
    Captured,
    Timeout,
}

/// Options of a capture session (defaults in brackets).
#[derive(Debug, Clone, PartialEq)]
pub struct SessionOptions {
    /// [`Profile::SELFIE`] or [`Profile::ICAO`].
    pub profile: Profile,
    /// Every check must pass this long without a break [1000 ms].
    pub hold_ms: f64,
    /// The session gives up after this long [30 000 ms].
    pub timeout_ms: f64,
    /// Hysteresis of the instructions [400 ms]; smoothing window [300 ms].
    pub min_instruction_ms: f64,
    pub smoothing_ms: f64,
    /// Active liveness [off]; `challenge_mouth` adds the open-mouth step; each step's limit [6000 ms].
    pub challenge: bool,
    pub challenge_mouth: bool,
    pub step_ms: f64,
}

impl Default for SessionOptions {
    fn default() -> Self {
        SessionOptions {
            profile: Profile::SELFIE,
            hold_ms: 1000.0,
            timeout_ms: 30_000.0,
            min_instruction_ms: 400.0,
            smoothing_ms: 300.0,
            challenge: false,
            challenge_mouth: false,
            step_ms: 6000.0,
        }
    }
}

impl SessionOptions {
    pub fn validate(&self) -> Result<()> {
        let positive = [
            ("holdMs", self.hold_ms),
            ("timeoutMs", self.timeout_ms),
            ("stepMs", self.step_ms),
        ];
        for (name, v) in positive {
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
pub struct Update {
    pub state: State,
    pub instruction: Advice,
    /// The instruction differs from the previous frame's.
    pub changed: bool,
    /// This frame is the best of the hold window so far: keep its pixels.
    pub keep_frame: bool,
    /// 0..1 through the hold window.
    pub hold_progress: f32,
    /// The session has ended (`captured` or `timeout`).
    pub done: bool,
}

/// One instruction change on the timeline.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TimelineEntry {
    pub timestamp_ms: f64,
    pub code: &'static str,
}

/// How much of the session each instruction was shown: the "why" of a timeout.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FailedCheck {
    pub code: &'static str,
    pub component: &'static str,
    pub ms: f64,
}

/// The end of a session.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Summary {
    pub state: State,
    pub profile: &'static str,
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
    #[serde(skip_serializing_if = "Option::is_none")]
    pub liveness: Option<Challenge>,
}

/// One capture attempt.
#[derive(Debug, Clone)]
pub struct CaptureSession {
    opts: SessionOptions,
    guidance: Guidance,
    random: u64,
    state: State,
    started: Option<f64>,
    last: Option<(f64, &'static str)>,
    frames: u64,
    holding_since: Option<f64>,
    best: Option<(f64, f32)>,
    timeline: Vec<TimelineEntry>,
    shown_ms: BTreeMap<&'static str, f64>,
    challenge: Option<Challenge>,
    reason: Option<String>,
}

impl CaptureSession {
    /// `random` draws the challenge (the browser passes a random number; tests a fixed one).
    pub fn new(opts: SessionOptions, random: u64) -> Result<CaptureSession> {
        opts.validate()?;
        let guidance = Guidance::new(opts.profile, opts.smoothing_ms, opts.min_instruction_ms);
        Ok(CaptureSession {
            opts,
            guidance,
            random,
            state: State::Searching,
            started: None,
            last: None,
            frames: 0,
            holding_since: None,
            best: None,
            timeline: Vec::new(),
            shown_ms: BTreeMap::new(),
            challenge: None,
            reason: None,
        })
    }

    /// Starts over cleanly (a new challenge is drawn from `random`).
    pub fn retry(&mut self, random: u64) {
        let opts = self.opts.clone();
        if let Ok(fresh) = CaptureSession::new(opts, random) {
            *self = fresh;
        }
    }

    pub fn state(&self) -> State {
        self.state
    }

    /// Feeds one analysed frame.
    pub fn update(&mut self, frame: &VideoFrame) -> Result<Update> {
        self.observe(Observation::of(frame))
    }

    /// Feeds one frame's observation (what [`CaptureSession::update`] does after measuring).
    pub fn observe(&mut self, obs: Observation) -> Result<Update> {
        let now = obs.timestamp_ms;
        if !now.is_finite() || self.last.is_some_and(|(t, _)| now <= t) {
            return Err(Error::invalid_argument(format!("frame timestamps must increase, got {now}")));
        }
        if matches!(self.state, State::Captured | State::Timeout) {
            return Ok(self.answer(Advice::new(Instruction::Ok, None, None), false, false));
        }
        let started = *self.started.get_or_insert(now);
        self.frames += 1;
        let (advice, smoothed) = self.guidance.update(obs);
        let (advice, keep) = if self.state == State::Challenge {
            let counted = obs.face.filter(|m| counts_for_challenge(&self.opts.profile, obs.faces, m));
            (self.challenge_step(now, counted.as_ref(), advice), false)
        } else {
            let keep = self.hold(now, advice, smoothed.as_ref());
            (advice, keep)
        };
        if !matches!(self.state, State::Captured | State::Timeout) && now - started > self.opts.timeout_ms {
            self.end(State::Timeout, Some(format!("no capture within {} ms", self.opts.timeout_ms)));
        }
        let changed = self.record(now, advice);
        Ok(self.answer(advice, changed, keep))
    }

    /// Searching / adjusting / holding; returns whether this frame is the best so far.
    fn hold(&mut self, now: f64, advice: Advice, m: Option<&FaceMeasures>) -> bool {
        if advice.instruction != Instruction::Ok {
            self.holding_since = None;
            self.best = None;
            self.state = if advice.instruction == Instruction::FaceNotFound { State::Searching } else { State::Adjusting };
            return false;
        }
        let since = *self.holding_since.get_or_insert(now);
        self.state = State::Holding;
        let score = m.map(|m| frame_score(&self.opts.profile, m)).unwrap_or(0.0);
        let keep = self.best.is_none_or(|(_, best)| score > best);
        if keep {
            self.best = Some((now, score));
        }
        if now - since >= self.opts.hold_ms {
            if self.opts.challenge {
                self.state = State::Challenge;
                self.challenge = Some(Challenge::draw(self.random, self.opts.challenge_mouth, self.opts.step_ms));
            } else {
                self.end(State::Captured, None);
            }
        }
        keep
    }

    fn challenge_step(&mut self, now: f64, m: Option<&FaceMeasures>, advice: Advice) -> Advice {
        let Some(challenge) = self.challenge.as_mut() else { return advice };
        match challenge.observe(now, m) {
            Progress::Step(i) => Advice::new(i, None, None),
            Progress::Passed => {
                self.end(State::Captured, None);
                Advice::new(Instruction::Ok, None, None)
            }
            Progress::Failed(kind) => {
                self.end(State::Timeout, Some(format!("liveness step {} not completed in time", kind.instruction().code())));
                Advice::new(kind.instruction(), None, None)
            }
        }
    }

    fn end(&mut self, state: State, reason: Option<String>) {
        self.state = state;
        self.reason = reason;
    }

    /// Adds the time since the last frame to what was shown then; logs changes.
    fn record(&mut self, now: f64, advice: Advice) -> bool {
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

    fn answer(&self, instruction: Advice, changed: bool, keep_frame: bool) -> Update {
        let progress = match (self.state, self.holding_since, self.last) {
            (State::Holding, Some(since), Some((now, _))) => ((now - since) / self.opts.hold_ms).clamp(0.0, 1.0) as f32,
            (State::Challenge | State::Captured, _, _) => 1.0,
            _ => 0.0,
        };
        Update {
            state: self.state,
            instruction,
            changed,
            keep_frame,
            hold_progress: progress,
            done: matches!(self.state, State::Captured | State::Timeout),
        }
    }

    /// The session so far (whole once `done`).
    pub fn summary(&self) -> Summary {
        let mut failed: Vec<FailedCheck> = self
            .shown_ms
            .iter()
            .filter(|(code, _)| **code != "OK")
            .map(|(&code, &ms)| FailedCheck { code, component: component_of(code), ms })
            .collect();
        failed.sort_by(|a, b| b.ms.total_cmp(&a.ms));
        Summary {
            state: self.state,
            profile: self.opts.profile.name,
            frames: self.frames,
            duration_ms: match (self.started, self.last) {
                (Some(s), Some((t, _))) => t - s,
                _ => 0.0,
            },
            frame_timestamp_ms: if self.state == State::Captured { self.best.map(|b| b.0) } else { None },
            timeline: self.timeline.clone(),
            failed_checks: failed,
            reason: self.reason.clone(),
            liveness: self.challenge.clone(),
        }
    }
}

fn component_of(code: &str) -> &'static str {
    use Instruction::*;
    [Instruction::PRIORITY.as_slice(), &[Blink, TurnHeadLeft, TurnHeadRight, OpenMouth]]
        .concat()
        .into_iter()
        .find(|i| i.code() == code)
        .map(|i| i.component())
        .unwrap_or("")
}

/// Whether a frame's raw measures may count toward a liveness step: one face, framed and lit
/// as the profile asks. Its pose, eyes and mouth are what the steps change, so they are not
/// checked. Without this a photo passes BLINK when the light dims: the eye model reads a dark
/// eye as shut. Relies on framing and light coming first in [`Instruction::PRIORITY`] (the
/// first failed check by priority is one of these exactly when one of them fails).
fn counts_for_challenge(p: &Profile, faces: usize, m: &FaceMeasures) -> bool {
    use Instruction::*;
    !matches!(
        advise(p, faces, Some(m), 0.0).instruction,
        FaceNotFound | MultipleFaces | MoveBack | MoveCloser | CenterFace | TooDark | TooBright
    )
}

/// How good a passing frame is, to keep the best of the hold window: sharpness (up to 4x the
/// profile's minimum), then frontality, then open eyes.
fn frame_score(p: &Profile, m: &FaceMeasures) -> f32 {
    let sharp = (m.sharpness / (4.0 * p.min_sharpness)).min(1.0);
    let frontal = 1.0 - (m.yaw.abs() / p.max_abs_yaw).max(m.pitch.abs() / p.max_abs_pitch).min(1.0);
    0.5 * sharp + 0.3 * frontal + 0.2 * (1.0 - m.eye_closed)
}

#[cfg(test)]
mod tests;
