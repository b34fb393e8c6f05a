//! `export()` / `import()`: the whole gallery as one versioned JSON document.
//!
//! ```json
//! { "format": "likeness-gallery", "version": 1, "exported_at": "2026-12-01T10:00:00.000Z",
//!   "embedding_len": 512,
//!   "subjects": ["alice", "bob"],
//!   "faces": [ { "image_id": "…", "subject": "alice", "created_at": "…",
//!                "embedding": "<base64 of 512 little-endian f32>",
//!                "image": { "mime": "image/jpeg", "bytes": "<base64>" } } ] }
//! ```
//! `image` is present only for faces whose photo was saved. A backup is checked completely
//! before anything is written, so a bad one is rejected with nothing imported.

use std::collections::{BTreeSet, HashSet};

use serde::{Deserialize, Serialize};

use super::records::*;
use crate::constants::{BACKUP_FORMAT, BACKUP_VERSION, EMBEDDING_LEN};
use crate::error::{Error, Result};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Backup {
    pub format: String,
    pub version: u32,
    pub exported_at: String,
    pub embedding_len: usize,
    pub subjects: Vec<String>,
    pub faces: Vec<BackupFace>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BackupFace {
    #[serde(flatten)]
    pub face: FaceRecord,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<StoredImage>,
}

/// A backup whose every value passed the gallery's checks (embeddings normalised).
pub struct CheckedBackup {
    pub subjects: BTreeSet<String>,
    pub faces: Vec<(FaceRecord, Option<StoredImage>)>,
}

impl Backup {
    pub fn new(exported_at: String, subjects: Vec<String>, faces: Vec<BackupFace>) -> Self {
        Backup {
            format: BACKUP_FORMAT.to_string(),
            version: BACKUP_VERSION,
            exported_at,
            embedding_len: EMBEDDING_LEN,
            subjects,
            faces,
        }
    }

    /// Parses a backup from JSON text; anything that is not one is `INVALID_ARGUMENT`.
    pub fn from_json(text: &str) -> Result<Self> {
        serde_json::from_str(text).map_err(|e| Error::invalid_argument(format!("not a Likeness gallery backup: {e}")))
    }

    pub fn check(self) -> Result<CheckedBackup> {
        if self.format != BACKUP_FORMAT {
            return Err(Error::invalid_argument(format!("backup format is {:?}, expected {BACKUP_FORMAT:?}", self.format)));
        }
        if self.version != BACKUP_VERSION || self.embedding_len != EMBEDDING_LEN {
            return Err(Error::invalid_argument(format!(
                "backup version {} with {}-D embeddings; this Likeness reads version {BACKUP_VERSION}, {EMBEDDING_LEN}-D",
                self.version, self.embedding_len
            )));
        }
        let mut subjects = BTreeSet::new();
        for s in &self.subjects {
            subjects.insert(check_subject(s)?.to_string());
        }
        let mut ids = HashSet::new();
        let mut faces = Vec::with_capacity(self.faces.len());
        for (i, BackupFace { face, image }) in self.faces.into_iter().enumerate() {
            let at = |e: Error| Error::invalid_argument(format!("backup face {i}: {}", e.message));
            check_image_id(&face.image_id).map_err(at)?;
            check_subject(&face.subject).map_err(at)?;
            let embedding = check_embedding(&face.embedding).map_err(at)?;
            if !ids.insert(face.image_id.clone()) {
                return Err(Error::invalid_argument(format!("backup face {i}: image_id {} appears twice", face.image_id)));
            }
            subjects.insert(face.subject.clone());
            faces.push((FaceRecord { embedding, ..face }, image));
        }
        Ok(CheckedBackup { subjects, faces })
    }
}
