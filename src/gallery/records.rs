//! What the gallery stores — subjects, faces (an embedding under a subject), optional images —
//! and the checks every value passes before it is stored.

use serde::{Deserialize, Serialize};

use crate::constants::{EMBEDDING_LEN, SUBJECT_MAX_CHARS};
use crate::embed::l2_normalize;
use crate::error::{Error, Result};

/// One stored face: a unit-length embedding filed under a subject.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FaceRecord {
    /// A UUID v4, made by the gallery (or kept from an imported backup).
    pub image_id: String,
    pub subject: String,
    /// 512 floats, L2-normalised when stored, so a dot product is the cosine similarity.
    #[serde(with = "f32_base64")]
    pub embedding: Vec<f32>,
    /// ISO 8601 UTC, when the face was added.
    pub created_at: String,
}

/// The photo a face was enrolled from, kept only when the gallery was opened with `saveImages`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredImage {
    /// MIME type of `bytes` (`image/jpeg`, `image/png`, …).
    pub mime: String,
    #[serde(with = "bytes_base64")]
    pub bytes: Vec<u8>,
}

/// `{ image_id, subject }`: what seed 001 answers about one face.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FaceRef {
    pub image_id: String,
    pub subject: String,
}

impl From<&FaceRecord> for FaceRef {
    fn from(f: &FaceRecord) -> Self {
        FaceRef { image_id: f.image_id.clone(), subject: f.subject.clone() }
    }
}

/// A subject name as given: non-empty, not only spaces, at most 255 characters, no control
/// characters. Not trimmed or case-folded: like CompreFace, "Alice" and "alice" are two subjects.
pub fn check_subject(name: &str) -> Result<&str> {
    if name.trim().is_empty() {
        return Err(Error::invalid_argument("subject must be a non-empty name"));
    }
    if name.chars().count() > SUBJECT_MAX_CHARS {
        return Err(Error::invalid_argument(format!("subject must be at most {SUBJECT_MAX_CHARS} characters")));
    }
    if name.chars().any(char::is_control) {
        return Err(Error::invalid_argument("subject must not contain control characters"));
    }
    Ok(name)
}

/// An image id as given: non-empty and at most 64 characters (a UUID is 36).
pub fn check_image_id(id: &str) -> Result<&str> {
    if id.is_empty() || id.len() > 64 || id.chars().any(char::is_control) {
        return Err(Error::invalid_argument(format!("{id:?} is not an image id")));
    }
    Ok(id)
}

/// A 512-D embedding, finite and non-zero, returned L2-normalised.
pub fn check_embedding(v: &[f32]) -> Result<Vec<f32>> {
    if v.len() != EMBEDDING_LEN {
        return Err(Error::invalid_argument(format!(
            "an embedding has {EMBEDDING_LEN} values, got {}",
            v.len()
        )));
    }
    if v.iter().any(|x| !x.is_finite()) {
        return Err(Error::invalid_argument("an embedding must not contain NaN or infinity"));
    }
    l2_normalize(v.to_vec()).ok_or_else(|| Error::invalid_argument("an embedding of all zeros has no direction"))
}

/// Embeddings travel as base64 of little-endian f32 (exact, and a third of the size of JSON
/// numbers: a 100k-face backup is 273 MB instead of ~800 MB).
pub mod f32_base64 {
    use base64::engine::general_purpose::STANDARD;
    use base64::Engine;
    use serde::{de, Deserialize, Deserializer, Serializer};

    pub fn encode(v: &[f32]) -> String {
        let bytes: Vec<u8> = v.iter().flat_map(|x| x.to_le_bytes()).collect();
        STANDARD.encode(bytes)
    }

    pub fn decode(text: &str) -> Option<Vec<f32>> {
        let bytes = STANDARD.decode(text).ok()?;
        if bytes.len() % 4 != 0 {
            return None;
        }
        Some(bytes.chunks_exact(4).map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect())
    }

    pub fn serialize<S: Serializer>(v: &[f32], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&encode(v))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<f32>, D::Error> {
        let text = String::deserialize(d)?;
        decode(&text).ok_or_else(|| de::Error::custom("embedding is not base64 of little-endian f32 values"))
    }
}

/// Image bytes travel as standard base64.
pub mod bytes_base64 {
    use base64::engine::general_purpose::STANDARD;
    use base64::Engine;
    use serde::{de, Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(v: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&STANDARD.encode(v))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        let text = String::deserialize(d)?;
        STANDARD.decode(text).map_err(|_| de::Error::custom("image bytes are not base64"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subjects_are_checked_but_kept_as_given() {
        assert_eq!(check_subject(" Alice ").ok(), Some(" Alice "));
        assert!(check_subject("").is_err());
        assert!(check_subject("   ").is_err());
        assert!(check_subject("a\u{0}b").is_err());
        assert!(check_subject(&"é".repeat(255)).is_ok());
        assert!(check_subject(&"é".repeat(256)).is_err());
    }

    #[test]
    fn embeddings_are_checked_and_normalised() {
        let mut v = vec![0.0f32; EMBEDDING_LEN];
        v[3] = 2.0;
        let n = check_embedding(&v).ok().unwrap_or_default();
        assert_eq!(n[3], 1.0);
        assert!(check_embedding(&v[..511]).is_err());
        v[0] = f32::NAN;
        assert!(check_embedding(&v).is_err());
        assert!(check_embedding(&[0.0; EMBEDDING_LEN]).is_err());
    }

    #[test]
    fn embeddings_survive_base64_exactly() {
        let v: Vec<f32> = (0..EMBEDDING_LEN).map(|i| (i as f32 * 0.37).sin() / 7.0).collect();
        assert_eq!(f32_base64::decode(&f32_base64::encode(&v)), Some(v));
        assert_eq!(f32_base64::decode("AAA"), None);
    }
}
