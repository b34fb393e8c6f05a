//! Active liveness: a short challenge drawn at random per session from the signals the pipeline
//! already measures — blink (eye-closed probability rises, then falls), turn the head to one
//! side (yaw beyond ±15° and back), optionally open the mouth. Each step has its own
//! instruction and time limit. It stops a photo held up to the camera (a print cannot blink or
//! turn); it does not stop a replayed video or a mask. Not a certified presentation-attack test.

use serde::Serialize;

use super::guidance::{FaceMeasures, Instruction};

/// Eye-closed probability above which an eye counts as shut, below which as open again.
pub const BLINK_CLOSED: f32 = 0.5;
pub const BLINK_OPEN: f32 = 0.3;
/// Yaw the head must pass (degrees) and come back within.
pub const TURN_YAW: f32 = 15.0;
pub const TURN_BACK_YAW: f32 = 8.0;
/// Mouth-opened value that counts as open, and closed again.
pub const MOUTH_WIDE: f32 = 0.6;
pub const MOUTH_SHUT: f32 = 0.3;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StepKind {
    Blink,
    /// The person's own left: yaw > 0 (toward the image's right).
    TurnLeft,
    TurnRight,
    OpenMouth,
}

impl StepKind {
    pub fn instruction(self) -> Instruction {
        match self {
            StepKind::Blink => Instruction::Blink,
            StepKind::TurnLeft => Instruction::TurnHeadLeft,
            StepKind::TurnRight => Instruction::TurnHeadRight,
            StepKind::OpenMouth => Instruction::OpenMouth,
        }
    }
}

/// One step and how it went.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Step {
    pub kind: StepKind,
    pub code: &'static str,
    pub limit_ms: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub started_ms: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ended_ms: Option<f64>,
    pub passed: bool,
    /// The first half of the gesture was seen (eyes shut, head turned, mouth open).
    #[serde(skip)]
    half: bool,
}

impl Step {
    pub fn new(kind: StepKind, limit_ms: f64) -> Step {
        Step { kind, code: kind.instruction().code(), limit_ms, started_ms: None, ended_ms: None, passed: false, half: false }
    }

    /// Feeds one frame's raw (unsmoothed: a blink lasts 100–300 ms) measures.
    fn observe(&mut self, m: &FaceMeasures) {
        let (there, back) = match self.kind {
            StepKind::Blink => (m.eye_closed > BLINK_CLOSED, m.eye_closed < BLINK_OPEN),
            StepKind::TurnLeft => (m.yaw > TURN_YAW, m.yaw.abs() < TURN_BACK_YAW),
            StepKind::TurnRight => (m.yaw < -TURN_YAW, m.yaw.abs() < TURN_BACK_YAW),
            StepKind::OpenMouth => (m.mouth_opened > MOUTH_WIDE, m.mouth_opened < MOUTH_SHUT),
        };
        if there {
            self.half = true;
        } else if self.half && back {
            self.passed = true;
        }
    }
}

/// The outcome of the challenge: every step, passed or not, with timings.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Challenge {
    pub steps: Vec<Step>,
    pub passed: bool,
}

/// What a frame did to the challenge.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Progress {
    /// The step to show now.
    Step(Instruction),
    Passed,
    /// A step ran out of time.
    Failed(StepKind),
}

impl Challenge {
    /// Blink, then a turn to a random side, then (when `mouth`) open the mouth; `random` is a
    /// random number (the session draws it), so the side cannot be prepared in advance.
    pub fn draw(random: u64, mouth: bool, limit_ms: f64) -> Challenge {
        let turn = if random & 1 == 0 { StepKind::TurnLeft } else { StepKind::TurnRight };
        let mut kinds = vec![StepKind::Blink, turn];
        if random & 2 != 0 {
            kinds.swap(0, 1);
        }
        if mouth {
            kinds.push(StepKind::OpenMouth);
        }
        Challenge { steps: kinds.into_iter().map(|k| Step::new(k, limit_ms)).collect(), passed: false }
    }

    /// Feeds one frame (`None`: no face in it, or one that may not count — see the session —
    /// which counts against the time limit only).
    pub fn observe(&mut self, now: f64, m: Option<&FaceMeasures>) -> Progress {
        let Some(step) = self.steps.iter_mut().find(|s| !s.passed) else {
            self.passed = true;
            return Progress::Passed;
        };
        let started = *step.started_ms.get_or_insert(now);
        if let Some(m) = m {
            step.observe(m);
        }
        if step.passed {
            step.ended_ms = Some(now);
            return match self.steps.iter().find(|s| !s.passed) {
                Some(next) => Progress::Step(next.kind.instruction()),
                None => {
                    self.passed = true;
                    Progress::Passed
                }
            };
        }
        if now - started >= step.limit_ms {
            step.ended_ms = Some(now);
            return Progress::Failed(step.kind);
        }
        Progress::Step(step.kind.instruction())
    }
}
