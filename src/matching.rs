//! Stage 8 — match: cosine similarity of two embeddings, the threshold presets (FindFace-style
//! `strict` / `medium` / `low`, each defined by its false-accept rate on LFW: docs/accuracy.md)
//! and the quality-aware decision of `compare()` ([`decide`]).

use std::str::FromStr;

use crate::constants::*;
use crate::error::{Error, ErrorCode, Result};

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
    /// False-accept rate 1e-5 (`NOMINAL_FAR_STRICT`).
    Strict,
    /// The default: false-accept rate 1e-4 (`NOMINAL_FAR_MEDIUM`).
    #[default]
    Medium,
    /// False-accept rate 1e-3 (`NOMINAL_FAR_LOW`).
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
    /// `true` when `similarity` says "same person" (full-resolution faces: no quality offset).
    pub fn accepts(&self, similarity: f32) -> bool {
        similarity >= self.value()
    }
    /// The preset's name, `None` for an explicit value.
    pub fn preset_name(&self) -> Option<&'static str> {
        match self {
            Threshold::Strict => Some("strict"),
            Threshold::Medium => Some("medium"),
            Threshold::Low => Some("low"),
            Threshold::Value(_) => None,
        }
    }
    /// The document mode's threshold of the preset (an explicit value is used as given).
    pub fn document_value(&self) -> f32 {
        match self {
            Threshold::Strict => DOCUMENT_THRESHOLD_STRICT,
            Threshold::Medium => DOCUMENT_THRESHOLD_MEDIUM,
            Threshold::Low => DOCUMENT_THRESHOLD_LOW,
            Threshold::Value(v) => *v,
        }
    }
    /// The preset's FAR and FRR measured on held-out data of `mode` (src/constants.rs
    /// `MEASURED_*`); `None` for an explicit value.
    pub fn measured(&self, mode: CompareMode) -> Option<MeasuredRates> {
        let table = if mode == CompareMode::Document { &MEASURED_DOCUMENT } else { &MEASURED_SELFIE };
        let i = match self {
            Threshold::Strict => 0,
            Threshold::Medium => 1,
            Threshold::Low => 2,
            Threshold::Value(_) => return None,
        };
        table.get(i).map(|&(far, frr)| MeasuredRates { far, frr })
    }
    /// The false-accept rate the preset is defined by; `None` for an explicit value, whose
    /// FAR the SDK cannot vouch for.
    pub fn nominal_far(&self) -> Option<f64> {
        match self {
            Threshold::Strict => Some(NOMINAL_FAR_STRICT),
            Threshold::Medium => Some(NOMINAL_FAR_MEDIUM),
            Threshold::Low => Some(NOMINAL_FAR_LOW),
            Threshold::Value(_) => None,
        }
    }
}

/// One face's share of what is added to a preset's threshold, for a face with `eye_dist` px
/// between the eyes: [`QUALITY_OFFSETS`] interpolated linearly, constant beyond its ends. A
/// pair's offset is the sum of its two faces' shares.
///
/// ```
/// use likeness::matching::quality_offset;
/// assert_eq!(quality_offset(500.0), 0.0);
/// assert!(quality_offset(10.0) > quality_offset(20.0));
/// ```
pub fn quality_offset(eye_dist: f32) -> f32 {
    let table = &QUALITY_OFFSETS;
    let (first, last) = (table[0], table[table.len() - 1]);
    if !(eye_dist > first.0) {
        // Also NaN: the largest offset is the safe side.
        return first.1;
    }
    if eye_dist >= last.0 {
        return last.1;
    }
    table
        .windows(2)
        .find(|w| eye_dist < w[1].0)
        .map_or(last.1, |w| {
            let t = (eye_dist - w[0].0) / (w[1].0 - w[0].0);
            w[0].1 + t * (w[1].1 - w[0].1)
        })
}

/// What the second image of `compare()` is taken for: [`CompareMode::Auto`] (the default)
/// uses document mode when an ID document is found in it, selfie mode otherwise.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CompareMode {
    #[default]
    Auto,
    /// Two camera photos of faces: the presets of `THRESHOLD_*`, measured on LFW.
    Selfie,
    /// A selfie against the portrait printed on an ID document: the presets of
    /// `DOCUMENT_THRESHOLD_*`, measured on generated documents (docs/document.md).
    Document,
}

impl CompareMode {
    pub fn name(self) -> &'static str {
        match self {
            CompareMode::Auto => "auto",
            CompareMode::Selfie => "selfie",
            CompareMode::Document => "document",
        }
    }
}

impl FromStr for CompareMode {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "auto" => Ok(CompareMode::Auto),
            "selfie" => Ok(CompareMode::Selfie),
            "document" => Ok(CompareMode::Document),
            _ => Err(Error::invalid_argument(format!("mode must be auto, selfie or document, got {s:?}"))),
        }
    }
}

/// The measured quality of an ID document's portrait that document mode decides on.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PortraitQuality {
    /// Inter-eye distance in the photo's own pixels (not the rectified card's).
    pub eye_dist: f32,
    /// Share of the portrait's pixels under specular glare, 0..1.
    pub glare: f32,
    /// The SDK's sharpness measure of the portrait, 0..100.
    pub sharpness: f32,
}

/// How a comparison was decided: what `compare()` puts in the scan record.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Decision {
    pub accepted: bool,
    /// The preset's name, `None` for an explicit cosine.
    pub preset: Option<&'static str>,
    /// The preset's nominal false-accept rate, `None` for an explicit cosine.
    pub nominal_far: Option<f64>,
    /// The threshold the similarity was held against: the preset's plus both faces' quality
    /// offsets.
    pub threshold: f32,
    /// The smaller inter-eye distance of the two faces (px).
    pub min_eye_dist: f32,
    /// `"selfie"` or `"document"`: whose presets decided.
    pub mode: &'static str,
    /// The preset's error rates measured on held-out data of its mode (`None` for an explicit
    /// cosine): what a compliance officer quotes.
    pub measured: Option<MeasuredRates>,
}

/// A preset's false-accept and false-reject rates on held-out data (src/constants.rs).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MeasuredRates {
    pub far: f64,
    pub frr: f64,
}

/// Decides a comparison of two faces with `eye_dist1` and `eye_dist2` px between the eyes.
/// A preset's threshold is raised by the [`quality_offset`] of each face, so that its FAR stays
/// near nominal from [`COMPARE_MIN_EYE_DIST`] to full resolution (two small faces: 1.3–1.5x,
/// docs/accuracy.md); an explicit cosine is used as given.
/// Below the minimum there is no verdict: `QUALITY_TOO_LOW`, with the measured values in the
/// error's details.
///
/// ```
/// use likeness::matching::{decide, Threshold};
/// let d = decide(Threshold::Medium, 0.6, 80.0, 45.0)?;
/// assert!(d.accepted && d.preset == Some("medium") && d.nominal_far == Some(1e-4));
/// let small = decide(Threshold::Medium, 0.6, 80.0, 3.0).unwrap_err();
/// assert_eq!(small.code.as_str(), "QUALITY_TOO_LOW");
/// # Ok::<(), likeness::Error>(())
/// ```
pub fn decide(threshold: Threshold, similarity: f32, eye_dist1: f32, eye_dist2: f32) -> Result<Decision> {
    // `f32::min` ignores a NaN; an unmeasured face must not pass as the larger one.
    let min_eye_dist = if eye_dist1.is_nan() || eye_dist2.is_nan() { f32::NAN } else { eye_dist1.min(eye_dist2) };
    if !(min_eye_dist >= COMPARE_MIN_EYE_DIST) {
        let which = if eye_dist1.is_nan() || eye_dist1 <= eye_dist2 { "selfie" } else { "document photo" };
        return Err(Error::new(
            ErrorCode::QualityTooLow,
            format!(
                "the face in the {which} is too small to compare: {min_eye_dist:.1} px between the eyes, at least {COMPARE_MIN_EYE_DIST} px needed; take the photo closer or at a higher resolution"
            ),
        )
        .with_details(&[
            ("face1_eye_dist", eye_dist1 as f64),
            ("face2_eye_dist", eye_dist2 as f64),
            ("min_eye_dist", COMPARE_MIN_EYE_DIST as f64),
        ]));
    }
    let t = match threshold {
        Threshold::Value(v) => v,
        preset => preset.value() + quality_offset(eye_dist1) + quality_offset(eye_dist2),
    };
    Ok(Decision {
        accepted: similarity >= t,
        preset: threshold.preset_name(),
        nominal_far: threshold.nominal_far(),
        threshold: t,
        min_eye_dist,
        mode: CompareMode::Selfie.name(),
        measured: threshold.measured(CompareMode::Selfie),
    })
}

/// Decides a selfie (`selfie_eye_dist` px between the eyes) against an ID document's portrait
/// in document mode: the document presets (`DOCUMENT_THRESHOLD_*`), which hold their FAR on
/// printed, small, often grey portraits down to `DOCUMENT_MIN_EYE_DIST`. No verdict below it
/// (`PORTRAIT_TOO_SMALL`), under glare or blur (`PORTRAIT_QUALITY_TOO_LOW`), or for a selfie
/// too small (`QUALITY_TOO_LOW`), each with the measured values in the error's details.
///
/// ```
/// use likeness::matching::{decide_document, PortraitQuality, Threshold};
/// let portrait = PortraitQuality { eye_dist: 30.0, glare: 0.0, sharpness: 60.0 };
/// let d = decide_document(Threshold::Medium, 0.9, 80.0, &portrait)?;
/// assert!(d.accepted && d.mode == "document" && d.measured.is_some());
/// let far = PortraitQuality { eye_dist: 4.0, ..portrait };
/// assert_eq!(decide_document(Threshold::Medium, 0.9, 80.0, &far).unwrap_err().code.as_str(), "PORTRAIT_TOO_SMALL");
/// # Ok::<(), likeness::Error>(())
/// ```
pub fn decide_document(threshold: Threshold, similarity: f32, selfie_eye_dist: f32, portrait: &PortraitQuality) -> Result<Decision> {
    if !(selfie_eye_dist >= COMPARE_MIN_EYE_DIST) {
        return Err(Error::new(
            ErrorCode::QualityTooLow,
            format!("the face in the selfie is too small to compare: {selfie_eye_dist:.1} px between the eyes, at least {COMPARE_MIN_EYE_DIST} px needed"),
        )
        .with_details(&[("face1_eye_dist", selfie_eye_dist as f64), ("min_eye_dist", COMPARE_MIN_EYE_DIST as f64)]));
    }
    if !(portrait.eye_dist >= DOCUMENT_MIN_EYE_DIST) {
        return Err(Error::new(
            ErrorCode::PortraitTooSmall,
            format!(
                "the portrait on the document is too small to compare: {:.1} px between the eyes, at least {DOCUMENT_MIN_EYE_DIST} px needed; bring the document closer",
                portrait.eye_dist
            ),
        )
        .with_details(&[("portrait_eye_dist", portrait.eye_dist as f64), ("min_eye_dist", DOCUMENT_MIN_EYE_DIST as f64)]));
    }
    if !(portrait.glare <= DOCUMENT_MAX_PORTRAIT_GLARE) {
        return Err(Error::new(
            ErrorCode::PortraitQualityTooLow,
            format!(
                "glare covers {:.0} % of the document's portrait (at most {:.0} %); tilt the document away from the light",
                portrait.glare * 100.0,
                DOCUMENT_MAX_PORTRAIT_GLARE * 100.0
            ),
        )
        .with_details(&[("portrait_glare", portrait.glare as f64), ("max_glare", DOCUMENT_MAX_PORTRAIT_GLARE as f64)]));
    }
    if !(portrait.sharpness >= DOCUMENT_MIN_PORTRAIT_SHARPNESS) {
        return Err(Error::new(
            ErrorCode::PortraitQualityTooLow,
            format!(
                "the document's portrait is too blurred to compare (sharpness {:.0}, at least {DOCUMENT_MIN_PORTRAIT_SHARPNESS}); hold the document still",
                portrait.sharpness
            ),
        )
        .with_details(&[("portrait_sharpness", portrait.sharpness as f64), ("min_sharpness", DOCUMENT_MIN_PORTRAIT_SHARPNESS as f64)]));
    }
    let t = match threshold {
        Threshold::Value(v) => v,
        preset => preset.document_value() + quality_offset(selfie_eye_dist),
    };
    Ok(Decision {
        accepted: similarity >= t,
        preset: threshold.preset_name(),
        nominal_far: threshold.nominal_far(),
        threshold: t,
        min_eye_dist: selfie_eye_dist.min(portrait.eye_dist),
        mode: CompareMode::Document.name(),
        measured: threshold.measured(CompareMode::Document),
    })
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
    fn quality_offset_interpolates_and_is_safe_outside_the_table() {
        let (first, last) = (QUALITY_OFFSETS[0], QUALITY_OFFSETS[QUALITY_OFFSETS.len() - 1]);
        assert_eq!(quality_offset(first.0 - 5.0), first.1);
        assert_eq!(quality_offset(f32::NAN), first.1);
        assert_eq!(quality_offset(last.0 + 100.0), last.1);
        let (a, b) = (QUALITY_OFFSETS[1], QUALITY_OFFSETS[2]);
        let mid = quality_offset((a.0 + b.0) / 2.0);
        assert!((mid - (a.1 + b.1) / 2.0).abs() < 1e-6, "{mid}");
        // Never lower for a smaller face.
        let mut prev = f32::INFINITY;
        for d in (0..400).map(|i| i as f32 * 0.25) {
            let o = quality_offset(d);
            assert!(o <= prev + 1e-7, "offset rises at {d} px");
            prev = o;
        }
    }

    #[test]
    fn decide_raises_a_presets_threshold_for_small_faces_and_refuses_tiny_ones() {
        let big = decide(Threshold::Medium, THRESHOLD_MEDIUM, 90.0, 60.0).unwrap();
        assert!(big.accepted && big.threshold == THRESHOLD_MEDIUM && big.min_eye_dist == 60.0);
        let small = decide(Threshold::Medium, THRESHOLD_MEDIUM, 90.0, 10.0).unwrap();
        assert!(!small.accepted && small.threshold > THRESHOLD_MEDIUM, "{small:?}");
        let both = decide(Threshold::Medium, THRESHOLD_MEDIUM, 10.0, 10.0).unwrap();
        assert!((both.threshold - THRESHOLD_MEDIUM - 2.0 * quality_offset(10.0)).abs() < 1e-6, "{both:?}");
        let explicit = decide(Threshold::Value(0.3), 0.31, 90.0, 10.0).unwrap();
        assert!(explicit.accepted && explicit.preset.is_none() && explicit.nominal_far.is_none());
        let e = decide(Threshold::Strict, 0.9, COMPARE_MIN_EYE_DIST - 0.5, 90.0).unwrap_err();
        assert_eq!(e.code, ErrorCode::QualityTooLow);
        assert!(e.message.contains("selfie"), "{}", e.message);
        assert_eq!(e.details.iter().find(|(k, _)| *k == "face1_eye_dist").map(|d| d.1), Some((COMPARE_MIN_EYE_DIST - 0.5) as f64));
        assert_eq!(decide(Threshold::Low, 0.9, 90.0, f32::NAN).unwrap_err().code, ErrorCode::QualityTooLow);
    }

    #[test]
    fn similarity_rejects_bad_embeddings() {
        assert!(similarity(&[1.0, 0.0], &[1.0]).is_err());
        assert!(similarity(&[f32::NAN, 0.0], &[1.0, 0.0]).is_err());
        assert!(similarity(&[0.0, 0.0], &[1.0, 0.0]).is_err());
        assert!((similarity(&[1.0, 0.0], &[-2.0, 0.0]).unwrap_or(0.0) + 1.0).abs() < 1e-6);
    }
}
