//! One instruction at a time: a capture profile's checks over smoothed measures, then exactly one
//! instruction by a fixed priority ([`Instruction::PRIORITY`]), shown only once it has held for a
//! minimum time (no flicker). A pure state machine: frames in, instructions out, no camera.

use std::collections::VecDeque;

use serde::{Deserialize, Serialize};

use crate::video::VideoFrame;

/// The limits of a capture profile. Angles in degrees, distances in pixels, luma 0–255.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Profile {
    pub name: &'static str,
    pub min_eye_dist: f32,
    /// The face box may fill at most this share of the frame's height ("move back" above it).
    pub max_face_height: f32,
    /// The face centre may be at most this share of the frame's width/height from its centre.
    pub max_centre_offset: f32,
    pub max_abs_yaw: f32,
    pub max_abs_pitch: f32,
    pub max_abs_roll: f32,
    pub min_luminance: f32,
    pub max_luminance: f32,
    /// Darker cheek over brighter cheek at least this (1 = even light).
    pub min_light_balance: f32,
    pub min_sharpness: f32,
    pub max_eye_closed: f32,
    pub max_mouth_opened: f32,
    pub max_occlusion: f32,
    /// The face centre may move at most this share of the eye distance across the smoothing
    /// window ("hold still" above it).
    pub max_motion: f32,
}

impl Profile {
    /// Today's quality checks (src/constants.rs, the README's quality table), plus framing.
    pub const SELFIE: Profile = Profile {
        name: "selfie",
        min_eye_dist: crate::constants::MIN_EYE_DIST,
        max_face_height: 0.8,
        max_centre_offset: 0.2,
        max_abs_yaw: crate::constants::MAX_ABS_YAW,
        max_abs_pitch: crate::constants::MAX_ABS_PITCH,
        max_abs_roll: crate::constants::MAX_ABS_ROLL,
        min_luminance: crate::constants::MIN_LUMINANCE,
        max_luminance: crate::constants::MAX_LUMINANCE,
        min_light_balance: 0.5,
        min_sharpness: crate::constants::MIN_SHARPNESS,
        max_eye_closed: crate::constants::MAX_EYE_CLOSED,
        max_mouth_opened: crate::constants::MAX_MOUTH_OPENED,
        max_occlusion: crate::constants::MAX_OCCLUSION,
        max_motion: 0.25,
    };
    /// ISO/IEC 19794-5 / ICAO 9303 portrait limits: yaw and pitch ±5°, roll ±8°, at least 90 px
    /// between the eyes, eyes open, mouth closed, even light (cheeks within 20 %).
    pub const ICAO: Profile = Profile {
        name: "icao",
        min_eye_dist: 90.0,
        max_face_height: 0.8,
        max_centre_offset: 0.15,
        max_abs_yaw: 5.0,
        max_abs_pitch: 5.0,
        max_abs_roll: 8.0,
        min_luminance: crate::constants::MIN_LUMINANCE,
        max_luminance: crate::constants::MAX_LUMINANCE,
        min_light_balance: 0.8,
        min_sharpness: crate::constants::MIN_SHARPNESS,
        max_eye_closed: 0.3,
        max_mouth_opened: 0.3,
        max_occlusion: 0.2,
        max_motion: 0.15,
    };

    pub fn by_name(name: &str) -> Option<Profile> {
        [Profile::SELFIE, Profile::ICAO].into_iter().find(|p| p.name == name)
    }
}

/// An instruction to the person in front of the camera. Directions are the person's own
/// (left = their left, which is the left of the mirrored preview they look at).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Instruction {
    FaceNotFound,
    MultipleFaces,
    MoveBack,
    MoveCloser,
    CenterFace,
    TooDark,
    TooBright,
    UnevenLight,
    RemoveOcclusion,
    TurnLeft,
    TurnRight,
    TiltUp,
    TiltDown,
    StraightenHead,
    OpenEyes,
    CloseMouth,
    TooBlurry,
    HoldStill,
    Ok,
    // The active liveness steps (src/capture/challenge.rs).
    Blink,
    TurnHeadLeft,
    TurnHeadRight,
    OpenMouth,
}

impl Instruction {
    /// The order in which failed checks are told, first first: presence, then framing (nothing
    /// else can be measured well on a face that is too small or cut off), light (it corrupts
    /// the measures after it), occlusion, pose, expression, sharpness, motion.
    pub const PRIORITY: [Instruction; 19] = [
        Instruction::FaceNotFound,
        Instruction::MultipleFaces,
        Instruction::MoveBack,
        Instruction::MoveCloser,
        Instruction::CenterFace,
        Instruction::TooDark,
        Instruction::TooBright,
        Instruction::UnevenLight,
        Instruction::RemoveOcclusion,
        Instruction::TurnLeft,
        Instruction::TurnRight,
        Instruction::TiltUp,
        Instruction::TiltDown,
        Instruction::StraightenHead,
        Instruction::OpenEyes,
        Instruction::CloseMouth,
        Instruction::TooBlurry,
        Instruction::HoldStill,
        Instruction::Ok,
    ];

    pub fn code(self) -> &'static str {
        use Instruction::*;
        match self {
            FaceNotFound => "FACE_NOT_FOUND",
            MultipleFaces => "MULTIPLE_FACES",
            MoveBack => "MOVE_BACK",
            MoveCloser => "MOVE_CLOSER",
            CenterFace => "CENTER_FACE",
            TooDark => "TOO_DARK",
            TooBright => "TOO_BRIGHT",
            UnevenLight => "UNEVEN_LIGHT",
            RemoveOcclusion => "REMOVE_OCCLUSION",
            TurnLeft => "TURN_LEFT",
            TurnRight => "TURN_RIGHT",
            TiltUp => "TILT_UP",
            TiltDown => "TILT_DOWN",
            StraightenHead => "STRAIGHTEN_HEAD",
            OpenEyes => "OPEN_EYES",
            CloseMouth => "CLOSE_MOUTH",
            TooBlurry => "TOO_BLURRY",
            HoldStill => "HOLD_STILL",
            Ok => "OK",
            Blink => "BLINK",
            TurnHeadLeft => "TURN_HEAD_LEFT",
            TurnHeadRight => "TURN_HEAD_RIGHT",
            OpenMouth => "OPEN_MOUTH",
        }
    }

    /// The quality component behind it: OFIQ / ISO/IEC 29794-5 names where one exists.
    pub fn component(self) -> &'static str {
        use Instruction::*;
        match self {
            FaceNotFound | MultipleFaces => "SingleFacePresent",
            MoveBack => "HeadSize",
            MoveCloser => "InterEyeDistance",
            CenterFace => "MarginsAroundTheFace",
            TooDark => "UnderExposurePrevention",
            TooBright => "OverExposurePrevention",
            UnevenLight => "IlluminationUniformity",
            RemoveOcclusion => "FaceOcclusionPrevention",
            TurnLeft | TurnRight => "HeadPoseYaw",
            TiltUp | TiltDown => "HeadPosePitch",
            StraightenHead => "HeadPoseRoll",
            OpenEyes => "EyesOpen",
            CloseMouth => "MouthClosed",
            TooBlurry => "Sharpness",
            HoldStill => "Motion",
            Ok => "UnifiedQualityScore",
            Blink | TurnHeadLeft | TurnHeadRight | OpenMouth => "ActiveLiveness",
        }
    }
}

/// What the guidance says about one frame: the instruction shown, the value measured and the
/// limit it was held against (both absent for presence and OK).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Advice {
    pub instruction: Instruction,
    pub code: &'static str,
    pub component: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<f32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit: Option<f32>,
}

impl Advice {
    pub fn new(instruction: Instruction, value: Option<f32>, limit: Option<f32>) -> Advice {
        Advice { instruction, code: instruction.code(), component: instruction.component(), value, limit }
    }
}

/// The measures of one frame's main face that the guidance reads.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct FaceMeasures {
    /// Face centre as a share of the frame's width and height, 0..1.
    pub centre: [f32; 2],
    /// Face centre in frame pixels.
    pub centre_px: [f32; 2],
    /// Box height over the frame's height.
    pub height: f32,
    pub eye_dist: f32,
    pub luminance: f32,
    pub light_balance: f32,
    pub sharpness: f32,
    pub eye_closed: f32,
    pub mouth_opened: f32,
    pub occlusion: f32,
    pub yaw: f32,
    pub pitch: f32,
    pub roll: f32,
}

/// One frame as the guidance sees it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Observation {
    pub timestamp_ms: f64,
    /// Faces that count (those far smaller than the main one are not people in front of the camera).
    pub faces: usize,
    pub face: Option<FaceMeasures>,
}

impl Observation {
    pub fn of(frame: &VideoFrame) -> Observation {
        let (w, h) = (frame.width.max(1) as f32, frame.height.max(1) as f32);
        let face = frame.faces.first().map(|f| FaceMeasures {
            centre: [(f.x1 + f.x2) / 2.0 / w, (f.y1 + f.y2) / 2.0 / h],
            centre_px: [(f.x1 + f.x2) / 2.0, (f.y1 + f.y2) / 2.0],
            height: (f.y2 - f.y1) / h,
            eye_dist: f.eye_dist,
            luminance: f.face_luminance,
            light_balance: frame.light_balance.unwrap_or(1.0),
            sharpness: f.sharpness,
            eye_closed: f.left_eye_closed.max(f.right_eye_closed),
            mouth_opened: f.mouth_opened,
            occlusion: f.face_occlusion,
            yaw: f.yaw,
            pitch: f.pitch,
            roll: f.roll,
        });
        Observation { timestamp_ms: frame.timestamp_ms, faces: frame.faces.len(), face }
    }
}

/// The instruction a profile gives for (smoothed) measures, before any hysteresis: the first
/// failed check in [`Instruction::PRIORITY`] order. `motion` is the face centre's travel over
/// the smoothing window in eye distances.
pub fn advise(p: &Profile, faces: usize, m: Option<&FaceMeasures>, motion: f32) -> Advice {
    let Some(m) = m else { return Advice::new(Instruction::FaceNotFound, None, None) };
    if faces > 1 {
        return Advice::new(Instruction::MultipleFaces, Some(faces as f32), Some(1.0));
    }
    let offset = (m.centre[0] - 0.5).abs().max((m.centre[1] - 0.5).abs());
    use Instruction::*;
    // (fails, instruction, value, limit), in priority order. MOVE_CLOSER requires the face not
    // to be too big as well: a face that fills the frame is never told to come closer.
    let rules = [
        (m.height > p.max_face_height, MoveBack, m.height, p.max_face_height),
        (m.eye_dist < p.min_eye_dist && m.height <= p.max_face_height, MoveCloser, m.eye_dist, p.min_eye_dist),
        (offset > p.max_centre_offset, CenterFace, offset, p.max_centre_offset),
        (m.luminance < p.min_luminance, TooDark, m.luminance, p.min_luminance),
        (m.luminance > p.max_luminance, TooBright, m.luminance, p.max_luminance),
        (m.light_balance < p.min_light_balance, UnevenLight, m.light_balance, p.min_light_balance),
        (m.occlusion > p.max_occlusion, RemoveOcclusion, m.occlusion, p.max_occlusion),
        // yaw > 0: turned toward the image's right, which is the person's own left.
        (m.yaw < -p.max_abs_yaw, TurnLeft, m.yaw, -p.max_abs_yaw),
        (m.yaw > p.max_abs_yaw, TurnRight, m.yaw, p.max_abs_yaw),
        (m.pitch < -p.max_abs_pitch, TiltUp, m.pitch, -p.max_abs_pitch),
        (m.pitch > p.max_abs_pitch, TiltDown, m.pitch, p.max_abs_pitch),
        (m.roll.abs() > p.max_abs_roll, StraightenHead, m.roll, p.max_abs_roll),
        (m.eye_closed > p.max_eye_closed, OpenEyes, m.eye_closed, p.max_eye_closed),
        (m.mouth_opened > p.max_mouth_opened, CloseMouth, m.mouth_opened, p.max_mouth_opened),
        (m.sharpness < p.min_sharpness, TooBlurry, m.sharpness, p.min_sharpness),
        (motion > p.max_motion, HoldStill, motion, p.max_motion),
    ];
    rules
        .into_iter()
        .find(|r| r.0)
        .map(|(_, i, v, l)| Advice::new(i, Some(v), Some(l)))
        .unwrap_or(Advice::new(Ok, None, None))
}

/// Smoothing and hysteresis over [`advise`].
#[derive(Debug, Clone)]
pub struct Guidance {
    pub profile: Profile,
    /// Measures are the median over the frames of this window (default 300 ms).
    pub smoothing_ms: f64,
    /// A new instruction replaces the shown one only after it has held this long (default 400 ms).
    pub min_instruction_ms: f64,
    window: VecDeque<Observation>,
    shown: Option<Advice>,
    candidate: Option<(Instruction, f64)>,
}

impl Guidance {
    pub fn new(profile: Profile, smoothing_ms: f64, min_instruction_ms: f64) -> Guidance {
        Guidance { profile, smoothing_ms, min_instruction_ms, window: VecDeque::new(), shown: None, candidate: None }
    }

    pub fn reset(&mut self) {
        self.window.clear();
        self.shown = None;
        self.candidate = None;
    }

    /// The instruction to show after this frame, and the smoothed measures it was decided on.
    pub fn update(&mut self, obs: Observation) -> (Advice, Option<FaceMeasures>) {
        self.window.push_back(obs);
        while self.window.front().is_some_and(|o| obs.timestamp_ms - o.timestamp_ms > self.smoothing_ms) {
            self.window.pop_front();
        }
        let (faces, smoothed, motion) = self.smoothed();
        let raw = advise(&self.profile, faces, smoothed.as_ref(), motion);
        (self.settle(raw, obs.timestamp_ms), smoothed)
    }

    /// Median face count, median measures over the frames that had a face (when at least half
    /// did), and the face centre's travel across the window in eye distances.
    fn smoothed(&self) -> (usize, Option<FaceMeasures>, f32) {
        let mut counts: Vec<usize> = self.window.iter().map(|o| o.faces).collect();
        counts.sort_unstable();
        let faces = counts[counts.len() / 2];
        let with: Vec<&FaceMeasures> = self.window.iter().filter_map(|o| o.face.as_ref()).collect();
        if faces == 0 || with.is_empty() {
            return (0, None, 0.0);
        }
        let med = |f: fn(&FaceMeasures) -> f32| median(with.iter().map(|m| f(m)).collect());
        let m = FaceMeasures {
            centre: [med(|m| m.centre[0]), med(|m| m.centre[1])],
            centre_px: [med(|m| m.centre_px[0]), med(|m| m.centre_px[1])],
            height: med(|m| m.height),
            eye_dist: med(|m| m.eye_dist),
            luminance: med(|m| m.luminance),
            light_balance: med(|m| m.light_balance),
            sharpness: med(|m| m.sharpness),
            eye_closed: med(|m| m.eye_closed),
            mouth_opened: med(|m| m.mouth_opened),
            occlusion: med(|m| m.occlusion),
            yaw: med(|m| m.yaw),
            pitch: med(|m| m.pitch),
            roll: med(|m| m.roll),
        };
        (faces, Some(m), self.motion(&with, m.eye_dist))
    }

    /// How far the face centre travelled across the window, in eye distances.
    fn motion(&self, with: &[&FaceMeasures], eye_dist: f32) -> f32 {
        match (with.first(), with.last()) {
            (Some(a), Some(b)) if eye_dist > 0.0 => {
                ((b.centre_px[0] - a.centre_px[0]).hypot(b.centre_px[1] - a.centre_px[1])) / eye_dist
            }
            _ => 0.0,
        }
    }

    /// Hysteresis: the first instruction is shown at once; a different one replaces it only
    /// after being the raw answer for `min_instruction_ms` without a break.
    fn settle(&mut self, raw: Advice, now: f64) -> Advice {
        let Some(shown) = self.shown else {
            self.shown = Some(raw);
            return raw;
        };
        if raw.instruction == shown.instruction {
            self.candidate = None;
            self.shown = Some(raw); // same instruction, fresh value
            return raw;
        }
        let since = match self.candidate {
            Some((i, t)) if i == raw.instruction => t,
            _ => {
                self.candidate = Some((raw.instruction, now));
                now
            }
        };
        if now - since >= self.min_instruction_ms {
            self.candidate = None;
            self.shown = Some(raw);
            return raw;
        }
        shown
    }
}

fn median(mut v: Vec<f32>) -> f32 {
    v.sort_by(f32::total_cmp);
    v.get(v.len() / 2).copied().unwrap_or(0.0)
}
