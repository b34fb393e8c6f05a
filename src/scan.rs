//! The KYC scan record of seed 004 (`POST /v1/face-recognition`): the comparison of a selfie
//! with the photo on an ID document, with both faces' capture quality.

use serde::{Deserialize, Serialize};

use crate::clock;
use crate::error::Result;
use crate::face::Face;
use crate::matching::Threshold;

pub const SAME_PERSON: &str = "Same person";
pub const DIFFERENT_PERSON: &str = "Different person";

/// Seed 004's record, field for field.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScanRecord {
    pub channel: String,
    /// `"Same person"` or `"Different person"`.
    pub compare_result: String,
    pub compare_similarity: f32,
    /// ISO 8601, UTC.
    pub created: String,
    /// The selfie's largest face.
    pub face1: Face,
    /// The document's largest face.
    pub face2: Face,
    /// UUID v4 made on the device: the idempotency key for the backend.
    pub id: String,
    pub reference: Option<String>,
}

/// How to compare and what to put in the record.
#[derive(Debug, Clone, PartialEq)]
pub struct CompareOptions {
    pub threshold: Threshold,
    pub reference: Option<String>,
    pub channel: String,
    /// Keep the embeddings in face1/face2. Off by default: biometric templates do not leave
    /// the device unless the app asks.
    pub include_embeddings: bool,
}

impl Default for CompareOptions {
    fn default() -> Self {
        CompareOptions { threshold: Threshold::Medium, reference: None, channel: "WEB".into(), include_embeddings: false }
    }
}

impl ScanRecord {
    /// Builds the record from two analysed faces (with embeddings) and their similarity.
    pub fn new(mut face1: Face, mut face2: Face, similarity: f32, opts: &CompareOptions) -> Result<ScanRecord> {
        if !opts.include_embeddings {
            face1.embedding = None;
            face2.embedding = None;
        }
        let result = if opts.threshold.accepts(similarity) { SAME_PERSON } else { DIFFERENT_PERSON };
        Ok(ScanRecord {
            channel: opts.channel.clone(),
            compare_result: result.to_string(),
            compare_similarity: similarity,
            created: clock::now_iso8601()?,
            face1,
            face2,
            id: clock::uuid_v4()?,
            reference: opts.reference.clone(),
        })
    }
}
