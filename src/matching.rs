//! Stage 8 — match: cosine similarity of two embeddings and the threshold presets
//! (FindFace-style `strict` / `medium` / `low`, calibrated on the BBT set: docs/measurements.md).

use std::str::FromStr;

use crate::constants::*;
use crate::error::{Error, Result};

/// Cosine similarity in [-1, 1]. Checks lengths and values; never returns NaN.
///
/// ```
/// let a = [0.6f32, 0.8];
/// assert!((likeness::matching::similarity(&a, &a)? - 1.0).abs() < 1e-6);
/// # Ok::<(), likeness::Error>(())
/// ```
pub fn similarity(a: &[f32], b: &[f32]) -> Result<f32> {
    if a.len() != b.len() || a.is_empty() {
        return Err(Error::invalid_argument(format!(
            "embeddings must have the same non-zero length (got {} and {})",
            a.len(),
            b.len()
        )));
    }
    if a.iter().chain(b).any(|x| !x.is_finite()) {
        return Err(Error::invalid_argument("embeddings must not contain NaN or infinity"));
    }
    let dot: f32 = a.iter().zip(b).map(|(x, y)| x * y).sum();
    let (na, nb) = (a.iter().map(|x| x * x).sum::<f32>().sqrt(), b.iter().map(|x| x * x).sum::<f32>().sqrt());
    if na == 0.0 || nb == 0.0 {
        return Err(Error::invalid_argument("an embedding of all zeros has no direction"));
    }
    Ok((dot / (na * nb)).clamp(-1.0, 1.0))
}

/// A decision threshold: a named preset or an explicit cosine value.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub enum Threshold {
    /// Fewest false accepts (no impostor pair of the calibration set passes).
    Strict,
    /// The default: balanced false accepts and false rejects.
    #[default]
    Medium,
    /// Fewest false rejects.
    Low,
    /// A cosine similarity in [-1, 1].
    Value(f32),
}

impl Threshold {
    pub fn value(&self) -> f32 {
        match self {
            Threshold::Strict => THRESHOLD_STRICT,
            Threshold::Medium => THRESHOLD_MEDIUM,
            Threshold::Low => THRESHOLD_LOW,
            Threshold::Value(v) => *v,
        }
    }
    /// `true` when `similarity` says "same person".
    pub fn accepts(&self, similarity: f32) -> bool {
        similarity >= self.value()
    }
}

impl FromStr for Threshold {
    type Err = Error;
    /// `strict`, `medium`, `low` or a number in [-1, 1].
    fn from_str(s: &str) -> Result<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "strict" => Ok(Threshold::Strict),
            "medium" => Ok(Threshold::Medium),
            "low" => Ok(Threshold::Low),
            other => match other.parse::<f32>() {
                Ok(v) if (-1.0..=1.0).contains(&v) => Ok(Threshold::Value(v)),
                _ => Err(Error::invalid_argument(format!(
                    "threshold must be strict, medium, low or a number in [-1, 1], got {s:?}"
                ))),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presets_parse_and_floats_are_range_checked() {
        assert_eq!("STRICT".parse::<Threshold>().ok(), Some(Threshold::Strict));
        assert_eq!("0.5".parse::<Threshold>().ok(), Some(Threshold::Value(0.5)));
        assert!("1.5".parse::<Threshold>().is_err());
        assert!("nan".parse::<Threshold>().is_err());
    }

    #[test]
    fn similarity_rejects_bad_embeddings() {
        assert!(similarity(&[1.0, 0.0], &[1.0]).is_err());
        assert!(similarity(&[f32::NAN, 0.0], &[1.0, 0.0]).is_err());
        assert!(similarity(&[0.0, 0.0], &[1.0, 0.0]).is_err());
        assert!((similarity(&[1.0, 0.0], &[-2.0, 0.0]).unwrap_or(0.0) + 1.0).abs() < 1e-6);
    }
}
