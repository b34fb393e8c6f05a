//! One instruction at a time for a document capture: the checks over (smoothed) frame measures,
//! the first failed one by [`DocumentInstruction::PRIORITY`], shown only once it has held for a
//! minimum time. A pure state machine like the selfie's (src/capture/guidance.rs): measures in,
//! instructions out, no camera.

use std::collections::VecDeque;

use serde::{Deserialize, Serialize};

use crate::constants::*;

use super::card::cross;
use super::{CardQuad, Portrait, Quad};

/// An instruction to the person holding the card.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum DocumentInstruction {
    DocumentNotFound,
    FitDocumentInFrame,
    DocumentTilted,
    MoveCloser,
    TooBlurry,
    HoldStill,
    GlareOnPortrait,
    Ok,
}

impl DocumentInstruction {
    /// Presence, framing (a cut card cannot be rectified whole), perspective, the portrait's
    /// size (nothing below measures well on a small portrait), sharpness, motion, glare.
    pub const PRIORITY: [DocumentInstruction; 8] = [
        DocumentInstruction::DocumentNotFound,
        DocumentInstruction::FitDocumentInFrame,
        DocumentInstruction::DocumentTilted,
        DocumentInstruction::MoveCloser,
        DocumentInstruction::TooBlurry,
        DocumentInstruction::HoldStill,
        DocumentInstruction::GlareOnPortrait,
        DocumentInstruction::Ok,
    ];

    pub fn code(self) -> &'static str {
        use DocumentInstruction::*;
        match self {
            DocumentNotFound => "DOCUMENT_NOT_FOUND",
            FitDocumentInFrame => "FIT_DOCUMENT_IN_FRAME",
            DocumentTilted => "DOCUMENT_TILTED",
            MoveCloser => "MOVE_CLOSER",
            TooBlurry => "TOO_BLURRY",
            HoldStill => "HOLD_STILL",
            GlareOnPortrait => "GLARE_ON_PORTRAIT",
            Ok => "OK",
        }
    }

    /// The quality component behind it (OFIQ names where one exists, as for the selfie).
    pub fn component(self) -> &'static str {
        use DocumentInstruction::*;
        match self {
            DocumentNotFound => "DocumentPresent",
            FitDocumentInFrame => "DocumentFraming",
            DocumentTilted => "DocumentPerspective",
            MoveCloser => "InterEyeDistance",
            TooBlurry => "Sharpness",
            HoldStill => "Motion",
            GlareOnPortrait => "PortraitGlare",
            Ok => "UnifiedQualityScore",
        }
    }

    pub fn by_code(code: &str) -> Option<DocumentInstruction> {
        Self::PRIORITY.into_iter().find(|i| i.code() == code)
    }
}

/// The instruction shown, the value measured and the limit it was held against (both absent
/// for DOCUMENT_NOT_FOUND and OK).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct DocumentAdvice {
    pub instruction: DocumentInstruction,
    pub code: &'static str,
    pub component: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<f32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit: Option<f32>,
}

impl DocumentAdvice {
    pub fn new(instruction: DocumentInstruction, value: Option<f32>, limit: Option<f32>) -> DocumentAdvice {
        DocumentAdvice { instruction, code: instruction.code(), component: instruction.component(), value, limit }
    }
}

/// The portrait's measures the guidance reads.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct PortraitMeasures {
    pub eye_dist: f32,
    pub sharpness: f32,
    pub glare: f32,
}

/// One frame's card as the guidance sees it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DocumentMeasures {
    pub frame: [f32; 2],
    pub corners: Quad,
    pub portrait: Option<PortraitMeasures>,
    /// Glare where the portrait should be, when it was not found.
    pub area_glare: f32,
}

impl DocumentMeasures {
    pub fn of(width: u32, height: u32, quad: Option<&CardQuad>, portrait: Option<&Portrait>, area_glare: f32) -> Option<DocumentMeasures> {
        let quad = quad?;
        Some(DocumentMeasures {
            frame: [width as f32, height as f32],
            corners: quad.corners,
            portrait: portrait.map(|p| PortraitMeasures { eye_dist: p.eye_dist_frame, sharpness: p.sharpness, glare: p.glare }),
            area_glare,
        })
    }

    /// Mean length of the two long sides, frame px.
    pub fn card_width(&self) -> f32 {
        let c = &self.corners;
        (dist(c[0], c[1]) + dist(c[3], c[2])) / 2.0
    }

    /// The smallest distance of a corner to the frame's edge, as a share of the frame's size
    /// (negative outside).
    pub fn edge_margin(&self) -> f32 {
        let [w, h] = self.frame;
        self.corners
            .iter()
            .map(|p| (p[0] / w).min(p[1] / h).min((w - p[0]) / w).min((h - p[1]) / h))
            .fold(f32::INFINITY, f32::min)
    }

    /// The largest corner angle's distance from 90°, degrees.
    pub fn corner_deviation(&self) -> f32 {
        let c = &self.corners;
        (0..4)
            .map(|i| {
                let (p, a, b) = (c[i], c[(i + 3) % 4], c[(i + 1) % 4]);
                let (u, v) = ([a[0] - p[0], a[1] - p[1]], [b[0] - p[0], b[1] - p[1]]);
                let cos = (u[0] * v[0] + u[1] * v[1]) / (u[0].hypot(u[1]) * v[0].hypot(v[1])).max(1e-6);
                (cos.clamp(-1.0, 1.0).acos().to_degrees() - 90.0).abs()
            })
            .fold(0.0, f32::max)
    }

    /// Opposite sides' length ratio, the larger of the two pairs (≥ 1).
    pub fn side_ratio(&self) -> f32 {
        let c = &self.corners;
        let r = |a: f32, b: f32| a.max(b) / a.min(b).max(1e-6);
        r(dist(c[0], c[1]), dist(c[3], c[2])).max(r(dist(c[1], c[2]), dist(c[0], c[3])))
    }
}

fn dist(a: [f32; 2], b: [f32; 2]) -> f32 {
    (a[0] - b[0]).hypot(a[1] - b[1])
}

/// The instruction for one set of (smoothed) measures, before hysteresis. `motion` is the
/// corners' travel across the smoothing window as a share of the card's width.
pub fn advise(m: Option<&DocumentMeasures>, motion: f32) -> DocumentAdvice {
    use DocumentInstruction::*;
    let Some(m) = m else { return DocumentAdvice::new(DocumentNotFound, None, None) };
    let margin = m.edge_margin();
    if margin < DOCUMENT_EDGE_MARGIN {
        return DocumentAdvice::new(FitDocumentInFrame, Some(margin), Some(DOCUMENT_EDGE_MARGIN));
    }
    let deviation = m.corner_deviation();
    if deviation > DOCUMENT_MAX_CORNER_DEVIATION {
        return DocumentAdvice::new(DocumentTilted, Some(deviation), Some(DOCUMENT_MAX_CORNER_DEVIATION));
    }
    let ratio = m.side_ratio();
    if ratio > DOCUMENT_MAX_SIDE_RATIO {
        return DocumentAdvice::new(DocumentTilted, Some(ratio), Some(DOCUMENT_MAX_SIDE_RATIO));
    }
    let Some(p) = m.portrait else {
        // A card without a portrait found: too small to find one, or glare over it, or not the
        // side with the photo.
        let expected = m.card_width() * PORTRAIT_EYE_DIST_PER_CARD_WIDTH;
        if expected < DOCUMENT_CAPTURE_EYE_DIST {
            return DocumentAdvice::new(MoveCloser, Some(expected), Some(DOCUMENT_CAPTURE_EYE_DIST));
        }
        if m.area_glare > GLARE_MAX_SHARE {
            return DocumentAdvice::new(GlareOnPortrait, Some(m.area_glare), Some(GLARE_MAX_SHARE));
        }
        return DocumentAdvice::new(DocumentNotFound, None, None);
    };
    let rules = [
        (p.eye_dist < DOCUMENT_CAPTURE_EYE_DIST, MoveCloser, p.eye_dist, DOCUMENT_CAPTURE_EYE_DIST),
        (p.sharpness < DOCUMENT_CAPTURE_MIN_SHARPNESS, TooBlurry, p.sharpness, DOCUMENT_CAPTURE_MIN_SHARPNESS),
        (motion > DOCUMENT_MAX_MOTION, HoldStill, motion, DOCUMENT_MAX_MOTION),
        (p.glare > GLARE_MAX_SHARE, GlareOnPortrait, p.glare, GLARE_MAX_SHARE),
    ];
    rules
        .into_iter()
        .find(|r| r.0)
        .map(|(_, i, v, l)| DocumentAdvice::new(i, Some(v), Some(l)))
        .unwrap_or(DocumentAdvice::new(Ok, None, None))
}

/// One frame on its own (no motion known).
pub fn advise_one(m: Option<&DocumentMeasures>) -> DocumentAdvice {
    advise(m, 0.0)
}

/// One frame as the session's guidance sees it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DocumentObservation {
    pub timestamp_ms: f64,
    pub measures: Option<DocumentMeasures>,
}

/// The corners of `q` renumbered (cyclic shift) to lie closest to `reference`'s: the same card
/// read 180° apart in two frames is still the same card.
pub fn aligned(q: &Quad, reference: &Quad) -> Quad {
    (0..4)
        .map(|s| [q[s % 4], q[(s + 1) % 4], q[(s + 2) % 4], q[(s + 3) % 4]])
        .min_by(|a, b| spread(a, reference).total_cmp(&spread(b, reference)))
        .unwrap_or(*q)
}

/// The largest distance between corresponding corners.
fn spread(a: &Quad, b: &Quad) -> f32 {
    (0..4).map(|i| dist(a[i], b[i])).fold(0.0, f32::max)
}

/// Smoothing and hysteresis over [`advise`].
#[derive(Debug, Clone)]
pub struct DocumentGuidance {
    /// Measures are medians over the frames of this window.
    pub smoothing_ms: f64,
    /// A new instruction replaces the shown one only after holding this long.
    pub min_instruction_ms: f64,
    window: VecDeque<DocumentObservation>,
    shown: Option<DocumentAdvice>,
    candidate: Option<(DocumentInstruction, f64)>,
}

impl DocumentGuidance {
    pub fn new(smoothing_ms: f64, min_instruction_ms: f64) -> DocumentGuidance {
        DocumentGuidance { smoothing_ms, min_instruction_ms, window: VecDeque::new(), shown: None, candidate: None }
    }

    /// The instruction to show after this frame, the raw one, and the smoothed measures.
    pub fn update(&mut self, obs: DocumentObservation) -> (DocumentAdvice, Option<DocumentMeasures>) {
        self.window.push_back(obs);
        while self.window.front().is_some_and(|o| obs.timestamp_ms - o.timestamp_ms > self.smoothing_ms) {
            self.window.pop_front();
        }
        let (smoothed, motion) = self.smoothed();
        let raw = advise(smoothed.as_ref(), motion);
        (self.settle(raw, obs.timestamp_ms), smoothed)
    }

    /// Medians over the window's frames with a card (when at least half have one), corners
    /// aligned to the newest card's, and the corners' travel across the window.
    fn smoothed(&self) -> (Option<DocumentMeasures>, f32) {
        let with: Vec<&DocumentMeasures> = self.window.iter().filter_map(|o| o.measures.as_ref()).collect();
        let Some(last) = with.last() else { return (None, 0.0) };
        if with.len() * 2 < self.window.len() {
            return (None, 0.0);
        }
        let corners: Vec<Quad> = with.iter().map(|m| aligned(&m.corners, &last.corners)).collect();
        let mut mc = [[0.0f32; 2]; 4];
        for (i, c) in mc.iter_mut().enumerate() {
            for (k, v) in c.iter_mut().enumerate() {
                *v = median(corners.iter().map(|q| q[i][k]).collect());
            }
        }
        let portraits: Vec<PortraitMeasures> = with.iter().filter_map(|m| m.portrait).collect();
        let portrait = (portraits.len() * 2 >= with.len() && !portraits.is_empty()).then(|| PortraitMeasures {
            eye_dist: median(portraits.iter().map(|p| p.eye_dist).collect()),
            sharpness: median(portraits.iter().map(|p| p.sharpness).collect()),
            glare: median(portraits.iter().map(|p| p.glare).collect()),
        });
        let m = DocumentMeasures {
            frame: last.frame,
            corners: mc,
            portrait,
            area_glare: median(with.iter().map(|m| m.area_glare).collect()),
        };
        let width = m.card_width().max(1.0);
        let motion = corners.iter().map(|q| spread(q, &last.corners)).fold(0.0, f32::max) / width;
        (Some(m), motion)
    }

    fn settle(&mut self, raw: DocumentAdvice, now: f64) -> DocumentAdvice {
        let Some(shown) = self.shown else {
            self.shown = Some(raw);
            return raw;
        };
        if raw.instruction == shown.instruction {
            self.candidate = None;
            self.shown = Some(raw);
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

/// Whether a quad is convex (a found card always is; for tests of hand-made measures).
pub fn is_convex(q: &Quad) -> bool {
    let s: Vec<f32> = (0..4).map(|i| cross(q[i], q[(i + 1) % 4], q[(i + 2) % 4])).collect();
    s.iter().all(|v| *v > 0.0) || s.iter().all(|v| *v < 0.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn card(x: f32, y: f32, w: f32) -> Quad {
        [[x, y], [x + w, y], [x + w, y + w / ID1_ASPECT], [x, y + w / ID1_ASPECT]]
    }

    fn good() -> DocumentMeasures {
        DocumentMeasures {
            frame: [1280.0, 720.0],
            corners: card(340.0, 160.0, 600.0),
            portrait: Some(PortraitMeasures { eye_dist: 55.0, sharpness: 200.0, glare: 0.0 }),
            area_glare: 0.0,
        }
    }

    #[test]
    fn each_failed_check_gives_its_instruction_in_priority_order() {
        assert_eq!(advise(None, 0.0).code, "DOCUMENT_NOT_FOUND");
        assert_eq!(advise(Some(&good()), 0.0).code, "OK");
        let cut = DocumentMeasures { corners: card(900.0, 160.0, 600.0), ..good() };
        assert_eq!(advise(Some(&cut), 0.0).code, "FIT_DOCUMENT_IN_FRAME");
        let mut tilted = good();
        tilted.corners[1][1] -= 90.0;
        tilted.corners[2][1] += 90.0;
        assert!(is_convex(&tilted.corners));
        assert_eq!(advise(Some(&tilted), 0.0).code, "DOCUMENT_TILTED");
        let small = DocumentMeasures { portrait: Some(PortraitMeasures { eye_dist: 12.0, ..good().portrait.unwrap() }), ..good() };
        assert_eq!(advise(Some(&small), 0.0).code, "MOVE_CLOSER");
        let blurry = DocumentMeasures { portrait: Some(PortraitMeasures { sharpness: 2.0, ..good().portrait.unwrap() }), ..good() };
        assert_eq!(advise(Some(&blurry), 0.0).code, "TOO_BLURRY");
        assert_eq!(advise(Some(&good()), 0.1).code, "HOLD_STILL");
        let glare = DocumentMeasures { portrait: Some(PortraitMeasures { glare: 0.2, ..good().portrait.unwrap() }), ..good() };
        let a = advise(Some(&glare), 0.0);
        assert_eq!((a.code, a.value, a.limit), ("GLARE_ON_PORTRAIT", Some(0.2), Some(GLARE_MAX_SHARE)));
        // Small AND glare: the size first.
        let both = DocumentMeasures { portrait: Some(PortraitMeasures { eye_dist: 12.0, glare: 0.3, ..good().portrait.unwrap() }), ..good() };
        assert_eq!(advise(Some(&both), 0.0).code, "MOVE_CLOSER");
    }

    #[test]
    fn a_card_without_a_found_portrait_is_told_why_when_it_can_be() {
        let far = DocumentMeasures { corners: card(600.0, 300.0, 150.0), portrait: None, ..good() };
        assert_eq!(advise(Some(&far), 0.0).code, "MOVE_CLOSER");
        let glare = DocumentMeasures { portrait: None, area_glare: 0.2, ..good() };
        assert_eq!(advise(Some(&glare), 0.0).code, "GLARE_ON_PORTRAIT");
        let back = DocumentMeasures { portrait: None, ..good() };
        assert_eq!(advise(Some(&back), 0.0).code, "DOCUMENT_NOT_FOUND");
    }

    #[test]
    fn a_rotated_card_is_not_tilted() {
        let q = card(340.0, 160.0, 600.0);
        let (cx, cy) = (640.0, 349.0);
        let rot = q.map(|p| [cx - (p[1] - cy), cy + (p[0] - cx)]);
        let m = DocumentMeasures { corners: rot, ..good() };
        assert!(m.corner_deviation() < 0.5 && m.side_ratio() < 1.01);
    }

    #[test]
    fn corners_read_180_degrees_apart_are_the_same_card() {
        let q = card(100.0, 100.0, 400.0);
        let t = [q[2], q[3], q[0], q[1]];
        assert_eq!(aligned(&t, &q), q);
    }

    #[test]
    fn hysteresis_keeps_a_shown_instruction_until_the_new_one_holds() {
        let mut g = DocumentGuidance::new(0.0, 400.0);
        let obs = |t: f64, m: Option<DocumentMeasures>| DocumentObservation { timestamp_ms: t, measures: m };
        assert_eq!(g.update(obs(0.0, None)).0.code, "DOCUMENT_NOT_FOUND");
        assert_eq!(g.update(obs(100.0, Some(good()))).0.code, "DOCUMENT_NOT_FOUND");
        assert_eq!(g.update(obs(400.0, Some(good()))).0.code, "DOCUMENT_NOT_FOUND");
        assert_eq!(g.update(obs(501.0, Some(good()))).0.code, "OK");
    }
}
