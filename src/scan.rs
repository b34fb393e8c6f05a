//! The KYC scan record of seed 004 (`POST /v1/face-recognition`): the comparison of a selfie
//! with the photo on an ID document, with both faces' capture quality.

use serde::{Deserialize, Serialize};

use crate::clock;
use crate::error::Result;
use crate::face::Face;
use crate::matching::{decide, CompareMode, Decision, Threshold};

pub const SAME_PERSON: &str = "Same person";
pub const DIFFERENT_PERSON: &str = "Different person";

/// Seed 004's record, field for field, plus how the verdict was reached (`compare_mode`,
/// `compare_preset`, `compare_nominal_far`, `compare_measured_far`, `compare_measured_frr`,
/// `compare_threshold`, `document`: absent from records written before they existed).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScanRecord {
    pub channel: String,
    /// The FAR the deciding preset measured on held-out data of its mode (`null` for an
    /// explicit threshold): LFW for `selfie`, generated documents for `document`.
    #[serde(default)]
    pub compare_measured_far: Option<f64>,
    /// The FRR measured with it (same data).
    #[serde(default)]
    pub compare_measured_frr: Option<f64>,
    /// `"selfie"` (two camera photos) or `"document"` (a selfie against the portrait on an ID
    /// document): whose presets decided. Records older than the field were all `"selfie"`.
    #[serde(default = "selfie_mode")]
    pub compare_mode: String,
    /// The false-accept rate the deciding preset is defined by (1e-5, 1e-4, 1e-3); `null` when
    /// the app gave its own cosine threshold.
    #[serde(default)]
    pub compare_nominal_far: Option<f64>,
    /// `"strict"`, `"medium"` or `"low"`; `null` for an explicit cosine threshold.
    #[serde(default)]
    pub compare_preset: Option<String>,
    /// `"Same person"` or `"Different person"`.
    pub compare_result: String,
    pub compare_similarity: f32,
    /// The cosine the similarity was held against: the preset's threshold plus each face's
    /// quality offset for its size (docs/accuracy.md), or the explicit threshold.
    #[serde(default)]
    pub compare_threshold: f32,
    /// ISO 8601, UTC.
    pub created: String,
    /// Document mode: what was found on the document (`null` in selfie mode).
    #[serde(default)]
    pub document: Option<ScanDocument>,
    /// The selfie's largest face.
    pub face1: Face,
    /// The document's largest face.
    pub face2: Face,
    /// UUID v4 made on the device: the idempotency key for the backend.
    pub id: String,
    pub reference: Option<String>,
}

fn selfie_mode() -> String {
    CompareMode::Selfie.name().to_string()
}

/// What document mode found on the ID document, for the record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScanDocument {
    /// `"ID-1"`, `"ID-3"`, or `null` when no card outline was found (a crop of the portrait).
    pub format: Option<String>,
    /// The card's corners in the document photo (TL, TR, BR, BL as read), when found.
    pub corners: Option<[[f32; 2]; 4]>,
    /// The portrait's inter-eye distance in the photo's pixels.
    pub portrait_eye_dist: f32,
    /// Share of the portrait under glare, 0..1.
    pub portrait_glare: f32,
    pub portrait_sharpness: f32,
    /// `"grey"` or `"colour"`.
    pub portrait_print: String,
}

/// How to compare and what to put in the record.
#[derive(Debug, Clone, PartialEq)]
pub struct CompareOptions {
    pub threshold: Threshold,
    /// Selfie or document presets; `Auto` (the default) picks document mode when an ID
    /// document is found in the second image.
    pub mode: CompareMode,
    pub reference: Option<String>,
    pub channel: String,
    /// Keep the embeddings in face1/face2. Off by default: biometric templates do not leave
    /// the device unless the app asks.
    pub include_embeddings: bool,
}

impl Default for CompareOptions {
    fn default() -> Self {
        CompareOptions { threshold: Threshold::Medium, mode: CompareMode::Auto, reference: None, channel: "WEB".into(), include_embeddings: false }
    }
}

impl ScanRecord {
    /// Builds the record from two analysed faces (with embeddings) and their similarity;
    /// `QUALITY_TOO_LOW` when a face is too small for a verdict ([`decide`]).
    pub fn new(face1: Face, face2: Face, similarity: f32, opts: &CompareOptions) -> Result<ScanRecord> {
        let decision = decide(opts.threshold, similarity, face1.eye_dist, face2.eye_dist)?;
        ScanRecord::decided(face1, face2, similarity, decision, None, opts)
    }

    /// Builds the record of a comparison already decided (document mode: `decide_document`).
    pub fn decided(
        mut face1: Face,
        mut face2: Face,
        similarity: f32,
        decision: Decision,
        document: Option<ScanDocument>,
        opts: &CompareOptions,
    ) -> Result<ScanRecord> {
        if !opts.include_embeddings {
            face1.embedding = None;
            face2.embedding = None;
        }
        let result = if decision.accepted { SAME_PERSON } else { DIFFERENT_PERSON };
        Ok(ScanRecord {
            channel: opts.channel.clone(),
            compare_measured_far: decision.measured.map(|m| m.far),
            compare_measured_frr: decision.measured.map(|m| m.frr),
            compare_mode: decision.mode.to_string(),
            compare_nominal_far: decision.nominal_far,
            compare_preset: decision.preset.map(str::to_string),
            compare_result: result.to_string(),
            compare_similarity: similarity,
            compare_threshold: decision.threshold,
            created: clock::now_iso8601()?,
            document,
            face1,
            face2,
            id: clock::uuid_v4()?,
            reference: opts.reference.clone(),
        })
    }
}
