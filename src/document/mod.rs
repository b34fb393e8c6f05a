//! The ID-document step: find the card in a photo or a camera frame, flatten it, find its main
//! portrait and say how good that portrait is (docs/document.md).
//!
//! - finder.rs: the learned card finder (models/card_finder.onnx): presence, mask and corners
//!   from a letterboxed frame, a second look at small cards, sides refined on the frame's edges.
//! - [`find_card`] (card.rs): the classical finder (edges, Hough lines; no model), kept for the
//!   before/after measurements, and the full-resolution refinement the learned finder uses.
//! - [`rectify`] (rectify.rs): the flat card through a homography.
//! - portrait.rs: the main portrait on the flat card (the largest face; never the ghost image,
//!   never a face outside the card), and which way up the card is read.
//! - quality.rs: the portrait's glare share and print (grey or colour).
//! - guidance.rs / session.rs: one instruction at a time and the live capture session.
//!
//! Nothing here panics on any image: no card is `document: None` with `DOCUMENT_NOT_FOUND`.

pub mod card;
pub mod finder;
pub mod guidance;
pub mod portrait;
pub mod quality;
pub mod rectify;
pub mod session;

use serde::{Deserialize, Serialize};

use crate::constants::{ID1_ASPECT, ID3_ASPECT};
use crate::error::{Error, Result};
use crate::face::Face;
use crate::pipeline::Likeness;
use crate::raster::RgbImage;

pub use card::find_card;
pub use guidance::{DocumentAdvice, DocumentInstruction};
pub use rectify::{rectify, Homography};
pub use session::{DocumentSession, DocumentSessionOptions, DocumentSummary, DocumentUpdate};

/// Four points TL, TR, BR, BL (of the card as read), pixels.
pub type Quad = [[f32; 2]; 4];

/// The card formats of ISO/IEC 7810.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum DocumentFormat {
    /// 85.6 x 54 mm: identity cards, driving licences.
    #[serde(rename = "ID-1")]
    Id1,
    /// 125 x 88 mm: passport data pages.
    #[serde(rename = "ID-3")]
    Id3,
}

impl DocumentFormat {
    /// Width over height.
    pub fn aspect(self) -> f32 {
        match self {
            DocumentFormat::Id1 => ID1_ASPECT,
            DocumentFormat::Id3 => ID3_ASPECT,
        }
    }
    pub fn name(self) -> &'static str {
        match self {
            DocumentFormat::Id1 => "ID-1",
            DocumentFormat::Id3 => "ID-3",
        }
    }
    /// `"ID-1"` / `"ID-3"`; `"auto"` is `None`; anything else `INVALID_ARGUMENT`.
    pub fn parse_option(s: &str) -> Result<Option<DocumentFormat>> {
        match s {
            "auto" => Ok(None),
            "ID-1" => Ok(Some(DocumentFormat::Id1)),
            "ID-3" => Ok(Some(DocumentFormat::Id3)),
            _ => Err(Error::invalid_argument(format!("format must be 'auto', 'ID-1' or 'ID-3', got {s:?}"))),
        }
    }
}

/// A card found in a frame: its format, its corners TL, TR, BR, BL as read (frame px), and the
/// finder's confidence 0..1 (edge support of its four sides and aspect agreement).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct CardQuad {
    pub format: DocumentFormat,
    pub corners: Quad,
    pub score: f32,
}

/// How the portrait is printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Print {
    Grey,
    Colour,
}

/// The card's main portrait.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Portrait {
    /// The full face (embedding included in `analyze_document`; not in the video path), in
    /// rectified-card pixels. Serialised flat: the portrait object is a FACE plus the fields below.
    #[serde(flatten)]
    pub face: Face,
    /// The face box on the rectified card (x1, y1, x2, y2).
    pub box_in_card: [f32; 4],
    /// The face box's corners (TL, TR, BR, BL as read) mapped into the frame.
    pub box_in_frame: Quad,
    /// Inter-eye distance in frame pixels (the eyes mapped back through the homography): the
    /// portrait's real resolution, whatever the rectified card's size.
    pub eye_dist_frame: f32,
    /// The face's `sharpness` (the SDK's measure on the rectified portrait); serialised once, as
    /// the face's `sharpness`.
    #[serde(skip)]
    pub sharpness: f32,
    /// Share 0..1 of the portrait's pixels that are specular glare.
    pub glare: f32,
    pub print: Print,
}

/// What `analyze_document` finds in one image.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DocumentAnalysis {
    /// The frame's size.
    pub width: u32,
    pub height: u32,
    /// `None`: no card found.
    pub document: Option<CardQuad>,
    /// The rectified card (the JS side gets it as RGBA or JPEG).
    #[serde(skip)]
    pub card: Option<RgbImage>,
    /// Never the ghost image, never a face outside the card.
    pub portrait: Option<Portrait>,
    /// The other faces on the card (rectified-card px): the ghost image, if detected.
    pub ghost_faces: Vec<[f32; 4]>,
    /// What a live capture would say about this frame alone.
    pub instruction: DocumentAdvice,
}

/// One camera frame of a document capture ([`Likeness::detect_document_for_video`]): the card,
/// the portrait without its embedding, and the measures the session's guidance reads.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DocumentFrame {
    pub width: u32,
    pub height: u32,
    pub timestamp_ms: f64,
    pub document: Option<CardQuad>,
    pub portrait: Option<Portrait>,
    pub ghost_faces: Vec<[f32; 4]>,
    /// Glare share of where the portrait should be when it was not found (0 otherwise).
    pub portrait_area_glare: f32,
    /// This frame's own instruction (the session smooths over frames).
    pub instruction: DocumentAdvice,
}

impl DocumentFrame {
    /// The measures guidance reads (`None`: no card).
    pub fn measures(&self) -> Option<guidance::DocumentMeasures> {
        guidance::DocumentMeasures::of(self.width, self.height, self.document.as_ref(), self.portrait.as_ref(), self.portrait_area_glare)
    }
}

impl DocumentAnalysis {
    /// What a still pass found, with the instruction a live capture would give on it.
    fn of(img: &RgbImage, found: portrait::Found) -> DocumentAnalysis {
        let measures = guidance::DocumentMeasures::of(img.width(), img.height(), found.quad.as_ref(), found.portrait.as_ref(), found.area_glare);
        DocumentAnalysis {
            width: img.width(),
            height: img.height(),
            document: found.quad,
            card: found.card,
            portrait: found.portrait,
            ghost_faces: found.ghosts,
            instruction: guidance::advise_one(measures.as_ref()),
        }
    }
}

impl Likeness {
    /// Finds the card in a photo, rectifies it and analyses its main portrait (with its
    /// embedding). No card is not an error: `document: None`, instruction `DOCUMENT_NOT_FOUND`.
    ///
    /// ```no_run
    /// use likeness::{Likeness, decode::decode};
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let sdk = Likeness::from_dir("models", false)?;
    /// let photo = decode(&std::fs::read("card.jpg")?, &sdk.limits)?;
    /// let doc = sdk.analyze_document(&photo)?;
    /// if let Some(p) = &doc.portrait {
    ///     println!("{} px between the eyes, glare {:.0} %", p.eye_dist_frame, 100.0 * p.glare);
    /// }
    /// println!("{}", doc.instruction.code);
    /// # Ok(())
    /// # }
    /// ```
    pub fn analyze_document(&self, img: &RgbImage) -> Result<DocumentAnalysis> {
        Ok(DocumentAnalysis::of(img, self.document_pass(img, true, true)?))
    }

    /// The per-frame path of a live document capture: the card every frame, the portrait's
    /// detection, landmarks and quality, but no embedding (compute it for the kept frame with
    /// [`Likeness::analyze_document`]). Feed the result to [`DocumentSession::update`].
    pub fn detect_document_for_video(&self, img: &RgbImage, timestamp_ms: f64) -> Result<DocumentFrame> {
        if !timestamp_ms.is_finite() {
            return Err(Error::invalid_argument(format!("timestampMs must be a finite number, got {timestamp_ms}")));
        }
        let found = self.document_pass(img, false, false)?;
        let measures = guidance::DocumentMeasures::of(img.width(), img.height(), found.quad.as_ref(), found.portrait.as_ref(), found.area_glare);
        Ok(DocumentFrame {
            width: img.width(),
            height: img.height(),
            timestamp_ms,
            document: found.quad,
            portrait: found.portrait,
            ghost_faces: found.ghosts,
            portrait_area_glare: found.area_glare,
            instruction: guidance::advise_one(measures.as_ref()),
        })
    }

    /// [`Likeness::analyze_document`] with the card's corners given (TL, TR, BR, BL as read,
    /// frame px) instead of found: for an app whose user marked the card, or whose own finder
    /// found it, and for measuring the matching apart from the finding (docs/document.md).
    /// `INVALID_ARGUMENT` for corners that are not finite.
    pub fn analyze_document_at(&self, img: &RgbImage, format: DocumentFormat, corners: Quad) -> Result<DocumentAnalysis> {
        if corners.iter().flatten().any(|v| !v.is_finite()) {
            return Err(Error::invalid_argument("the card's corners must be finite numbers"));
        }
        let quad = CardQuad { format, corners, score: 1.0 };
        Ok(DocumentAnalysis::of(img, portrait::find_portrait(self, img, &quad, true, true)?))
    }

    /// The learned finder gives the card (or none: `document: None` whenever the model says
    /// there is no document, whatever the image's aspect); the portrait is read on it.
    fn document_pass(&self, img: &RgbImage, embedding: bool, still: bool) -> Result<portrait::Found> {
        let found = finder::find_document(&self.models.card_finder, img)?;
        let quads: Vec<CardQuad> = found.card.into_iter().collect();
        portrait::find_portrait_among(self, img, &quads, embedding, still)
    }

    /// The learned finder alone: the presence score and the card (no portrait). For an app
    /// that only needs the outline, and for the finder's measurements (`document_eval`).
    pub fn find_document(&self, img: &RgbImage) -> Result<finder::Finding> {
        finder::find_document(&self.models.card_finder, img)
    }
}
