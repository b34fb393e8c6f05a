//! The engine: loads the models once and chains the stages
//! decode → detect → landmarks → align → embed → quality (→ liveness) → match.
//!
//! Each stage is also public on its own (`likeness::detect::detect`, …) for tests, benchmarks
//! and apps that want only part of the work.

use std::path::Path;

use crate::align::{alignment, quality_frame, warp_aligned, warp_quality};
use crate::decode::Limits;
use crate::detect::{detect, DetectOptions, Detection};
use crate::embed::embed;
use crate::error::{Error, Result};
use crate::face::{Analysis, Face};
use crate::landmarks::{landmarks, Landmarks68};
use crate::liveness::liveness_score;
use crate::document::quality::{glare_share, print_of};
use crate::document::card::contains;
use crate::document::Print;
use crate::matching::{decide_document, similarity, CompareMode, PortraitQuality};
use crate::model::{Integrity, Manifest, Model, ModelKind};
use crate::quality::eyes::{eye_closed_probability, Eye};
use crate::quality::occlusion::face_occlusion;
use crate::quality::pose::head_pose;
use crate::quality::region::AlignedFace;
use crate::quality::{face_luminance, face_quality, failed_checks, mouth_opened, sharpness, Measures};
use crate::raster::RgbImage;
use crate::scan::{CompareOptions, ScanDocument, ScanRecord};

/// What `analyze` computes beyond detection.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AnalyzeOptions {
    pub detect: DetectOptions,
    /// Compute the 512-D embedding (on by default).
    pub embedding: bool,
    /// Compute the liveness score (off by default; needs the liveness model loaded).
    pub liveness: bool,
}

impl Default for AnalyzeOptions {
    fn default() -> Self {
        AnalyzeOptions { detect: DetectOptions::default(), embedding: true, liveness: false }
    }
}

/// The loaded models.
#[derive(Debug, Clone)]
pub struct Models {
    pub detect: Model,
    pub landmark: Model,
    pub feature: Model,
    pub eye: Model,
    pub liveness: Option<Model>,
    /// The document step's card finder (src/document/finder.rs).
    pub card_finder: Model,
}

/// The face SDK: models plus input limits.
///
/// ```no_run
/// use likeness::{Likeness, decode::decode};
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let sdk = Likeness::from_dir("models", false)?;
/// let selfie = decode(&std::fs::read("selfie.jpg")?, &sdk.limits)?;
/// let id_photo = decode(&std::fs::read("document.jpg")?, &sdk.limits)?;
/// let scan = sdk.compare(&selfie, &id_photo, &Default::default())?;
/// println!("{} ({:.3})", scan.compare_result, scan.compare_similarity);
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct Likeness {
    pub models: Models,
    pub limits: Limits,
}

impl Likeness {
    /// Loads the models from a directory laid out as `models/` (files named by the manifest),
    /// verifying each against its sha256. `liveness` also loads the optional liveness model.
    pub fn from_dir(dir: impl AsRef<Path>, liveness: bool) -> Result<Likeness> {
        let dir = dir.as_ref();
        Likeness::from_loader(liveness, |manifest, kind| Model::load_from_dir(manifest, kind, dir))
    }

    /// Loads the models from bytes the caller fetched (the browser path).
    pub fn from_bytes(bytes_of: impl FnMut(ModelKind) -> Option<Vec<u8>>, liveness: bool) -> Result<Likeness> {
        Likeness::from_bytes_checked(bytes_of, liveness, Integrity::Sha256)
    }

    /// [`Likeness::from_bytes`] with the integrity check of the caller's choice
    /// ([`Integrity::SizeOnly`] when the caller has compared every sha256 itself).
    pub fn from_bytes_checked(
        mut bytes_of: impl FnMut(ModelKind) -> Option<Vec<u8>>,
        liveness: bool,
        integrity: Integrity,
    ) -> Result<Likeness> {
        Likeness::from_loader(liveness, |manifest, kind| {
            let bytes = bytes_of(kind).ok_or_else(|| Error::model_invalid(format!("{} was not provided", kind.name())))?;
            Model::load_checked(manifest, kind, &bytes, integrity)
        })
    }

    fn from_loader(liveness: bool, mut load: impl FnMut(&Manifest, ModelKind) -> Result<Model>) -> Result<Likeness> {
        let manifest = Manifest::bundled()?;
        let models = Models {
            detect: load(&manifest, ModelKind::Detect)?,
            landmark: load(&manifest, ModelKind::Landmark)?,
            feature: load(&manifest, ModelKind::Feature)?,
            eye: load(&manifest, ModelKind::Eye)?,
            liveness: if liveness { Some(load(&manifest, ModelKind::Liveness)?) } else { None },
            card_finder: load(&manifest, ModelKind::CardFinder)?,
        };
        Ok(Likeness { models, limits: Limits::default() })
    }

    /// Detects, then analyses every face (largest first).
    pub fn analyze(&self, img: &RgbImage, opts: &AnalyzeOptions) -> Result<Analysis> {
        if opts.liveness && self.models.liveness.is_none() {
            return Err(Error::invalid_argument("liveness was asked for but the liveness model is not loaded"));
        }
        let detections = detect(&self.models.detect, img, &opts.detect)?;
        let faces = detections.iter().map(|d| self.analyze_face(img, d, opts)).collect::<Result<Vec<_>>>()?;
        Ok(Analysis { width: img.width(), height: img.height(), faces })
    }

    /// Every stage after detection, for one detected face.
    pub fn analyze_face(&self, img: &RgbImage, det: &Detection, opts: &AnalyzeOptions) -> Result<Face> {
        let lm = landmarks(&self.models.landmark, img, det)?;
        self.analyze_landmarks(img, det, lm, opts)
    }

    /// Every stage after the landmarks, for one face whose landmarks are known (the video path
    /// tracks a face by its landmarks and does not run the landmark model twice).
    pub fn analyze_landmarks(&self, img: &RgbImage, det: &Detection, lm: Landmarks68, opts: &AnalyzeOptions) -> Result<Face> {
        let five = lm.five_points();
        let to_aligned = alignment(&five)?;
        let aligned = warp_aligned(img, &to_aligned)?;
        let to_quality = quality_frame(&five)?;
        let quality_pixels = warp_quality(img, &to_quality)?;
        let region = AlignedFace::new(&quality_pixels, &lm, &to_quality, [img.width() as f32, img.height() as f32]);
        let [yaw, pitch, roll] = head_pose(&lm).unwrap_or([0.0; 3]);
        let measures = Measures {
            eye_dist: five[0].distance(&five[1]),
            face_luminance: face_luminance(&region),
            face_occlusion: face_occlusion(&region),
            left_eye_closed: eye_closed_probability(&self.models.eye, img, &lm, Eye::SubjectLeft)?,
            right_eye_closed: eye_closed_probability(&self.models.eye, img, &lm, Eye::SubjectRight)?,
            mouth_opened: mouth_opened(&lm),
            yaw,
            pitch,
            roll,
            sharpness: sharpness(&region),
        };
        let failed = failed_checks(&measures);
        let embedding = if opts.embedding { Some(embed(&self.models.feature, &aligned)?) } else { None };
        let liveness = match (&self.models.liveness, opts.liveness) {
            (Some(model), true) => Some(liveness_score(model, img, det)?),
            _ => None,
        };
        Ok(Face {
            x1: det.x1,
            y1: det.y1,
            x2: det.x2,
            y2: det.y2,
            score: det.score,
            landmark_68: lm.0,
            landmark_5: five.to_vec(),
            eye_dist: measures.eye_dist,
            face_luminance: measures.face_luminance,
            face_occlusion: measures.face_occlusion,
            face_quality: face_quality(&failed),
            quality_checks: failed.iter().map(|c| c.as_str().to_string()).collect(),
            left_eye_closed: measures.left_eye_closed,
            right_eye_closed: measures.right_eye_closed,
            mouth_opened: measures.mouth_opened,
            yaw,
            pitch,
            roll,
            sharpness: measures.sharpness,
            liveness,
            embedding,
        })
    }

    /// The largest face of an image, with its embedding; `NO_FACE` when there is none.
    pub fn largest_face(&self, img: &RgbImage, opts: &AnalyzeOptions, what: &str) -> Result<Face> {
        let opts = AnalyzeOptions { detect: DetectOptions { limit: Some(1), ..opts.detect }, embedding: true, ..*opts };
        self.analyze(img, &opts)?
            .faces
            .into_iter()
            .next()
            .ok_or_else(|| Error::no_face(format!("no face found in the {what}")))
    }

    /// Compares the largest face of a selfie with the face of an ID document. Document mode
    /// (`opts.mode` `Document`, or `Auto` when a card outline is found in `document`) takes the
    /// card's main portrait and decides with the document presets ([`decide_document`]);
    /// selfie mode takes the largest face and the selfie presets ([`ScanRecord::new`]).
    pub fn compare(&self, selfie: &RgbImage, document: &RgbImage, opts: &CompareOptions) -> Result<ScanRecord> {
        let analyze = AnalyzeOptions::default();
        let face1 = self.largest_face(selfie, &analyze, "selfie")?;
        // The document photo's largest face, when it is looked for before the end (once).
        let mut face2 = None;
        if opts.mode != CompareMode::Selfie {
            let doc = self.analyze_document(document)?;
            // `Auto` needs a document found by the card finder (whose presence score says no
            // on photos of people, whatever their aspect) with a portrait on it.
            // `Document` with an outline but no portrait on a card's layout, whose largest face
            // lies inside the outline: a portrait cut out of the document (the finder takes the
            // crop itself for the document), compared as such below. A face outside the outline
            // is never compared.
            let outlined = match (opts.mode, doc.document) {
                (CompareMode::Document, Some(q)) if doc.portrait.is_none() => {
                    let face = self.largest_face(document, &analyze, "document photo").ok().filter(|f| contains(&q.corners, [(f.x1 + f.x2) / 2.0, (f.y1 + f.y2) / 2.0], 0.0));
                    face2 = face;
                    face2.is_none().then_some(q)
                }
                (CompareMode::Document, q) => q,
                (_, q) => q.filter(|_| doc.portrait.is_some()),
            };
            if let Some(card) = outlined {
                let portrait = doc.portrait.ok_or_else(|| Error::no_face("an ID document was found but no portrait on it"))?;
                let quality = PortraitQuality { eye_dist: portrait.eye_dist_frame, glare: portrait.glare, sharpness: portrait.sharpness };
                let summary = ScanDocument {
                    format: Some(card.format.name().to_string()),
                    corners: Some(card.corners),
                    portrait_eye_dist: portrait.eye_dist_frame,
                    portrait_glare: portrait.glare,
                    portrait_sharpness: portrait.sharpness,
                    portrait_print: print_name(portrait.print).to_string(),
                };
                return self.decide_document(face1, portrait.face, quality, summary, opts);
            }
        }
        let face2 = match face2 {
            Some(f) => f,
            None => self.largest_face(document, &analyze, "document photo")?,
        };
        if opts.mode == CompareMode::Document {
            // No card outline (a crop of the portrait): its largest face is the portrait.
            let face_box = [face2.x1, face2.y1, face2.x2, face2.y2];
            let quality = PortraitQuality { eye_dist: face2.eye_dist, glare: glare_share(document, face_box), sharpness: face2.sharpness };
            let summary = ScanDocument {
                format: None,
                corners: None,
                portrait_eye_dist: face2.eye_dist,
                portrait_glare: quality.glare,
                portrait_sharpness: face2.sharpness,
                portrait_print: print_name(print_of(document, face_box).0).to_string(),
            };
            return self.decide_document(face1, face2, quality, summary, opts);
        }
        let sim = embedding_similarity(&face1, &face2)?;
        ScanRecord::new(face1, face2, sim, opts)
    }

    fn decide_document(&self, face1: Face, portrait: Face, quality: PortraitQuality, summary: ScanDocument, opts: &CompareOptions) -> Result<ScanRecord> {
        let sim = embedding_similarity(&face1, &portrait)?;
        let decision = decide_document(opts.threshold, sim, face1.eye_dist, &quality)?;
        ScanRecord::decided(face1, portrait, sim, decision, Some(summary), opts)
    }
}

fn embedding_similarity(a: &Face, b: &Face) -> Result<f32> {
    match (&a.embedding, &b.embedding) {
        (Some(x), Some(y)) => similarity(x, y),
        _ => Err(Error::no_face("a face could not be embedded")),
    }
}

fn print_name(p: Print) -> &'static str {
    match p {
        Print::Grey => "grey",
        Print::Colour => "colour",
    }
}
