//! The face gallery: CompreFace's subjects and faces, 1:N recognize, verify and AccuAuth-style
//! search, on the device. The browser keeps it in IndexedDB (`Likeness#openGallery`, built on
//! [`GalleryState`] through `src/gallery/idb.rs`); natively a [`Gallery`] runs over a
//! [`store::Store`] — [`store::MemoryStore`] or [`store::FileStore`] — with the same rules and
//! the same answers. docs/gallery.md is the user's guide.
//!
//! ```no_run
//! use likeness::gallery::{Gallery, GalleryOptions, store::FileStore};
//! use likeness::{Likeness, Threshold};
//! # fn main() -> likeness::Result<()> {
//! let sdk = Likeness::from_dir("models", false)?;
//! let mut gallery = Gallery::open(FileStore::open("faces.gallery")?, GalleryOptions::default())?;
//! let added = gallery.add_face(&sdk, "alice", &std::fs::read("alice.jpg").unwrap_or_default(), None)?;
//! let found = gallery.recognize(&sdk, &std::fs::read("probe.jpg").unwrap_or_default(), &Default::default())?;
//! println!("{} → {:?}", added.image_id, found.result.first().map(|f| &f.subjects));
//! # Ok(())
//! # }
//! ```

pub mod backup;
#[cfg(target_arch = "wasm32")]
pub mod browser;
#[cfg(target_arch = "wasm32")]
pub mod idb;
pub mod index;
pub mod records;
pub mod state;
pub mod store;

use serde::{Deserialize, Serialize};

use crate::clock::{now_iso8601, uuid_v4};
use crate::constants::*;
use crate::decode::decode;
use crate::detect::DetectOptions;
use crate::error::{Error, ErrorCode, Result};
use crate::face::Face;
use crate::matching::Threshold;
use crate::pipeline::{AnalyzeOptions, Likeness};

pub use backup::Backup;
pub use records::{FaceRecord, FaceRef, StoredImage};
pub use state::{ChangeSet, FacePage, GalleryState, SearchHit, Snapshot, SubjectSimilarity};
use store::Store;

/// How a gallery is opened.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct GalleryOptions {
    /// Keep the photo each face was enrolled from (`getFaceImage`); off by default, as only
    /// the embedding is needed to recognise.
    pub save_images: bool,
}

/// Detection options of `recognize` / `verify` / `search` (seed 001's query parameters).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ProbeOptions {
    pub detect: DetectOptions,
    /// `recognize`: subjects per face (seed 001 `prediction_count`).
    pub prediction_count: usize,
    /// Keep each face's embedding in the answer (off by default: 512 numbers per face).
    pub embedding: bool,
}

impl Default for ProbeOptions {
    fn default() -> Self {
        ProbeOptions { detect: DetectOptions::default(), prediction_count: DEFAULT_PREDICTION_COUNT, embedding: false }
    }
}

/// `{ subject }`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SubjectAnswer {
    pub subject: String,
}

/// `{ result: [ { ...FACE, subjects: [{subject, similarity}] } ] }`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Recognition {
    pub result: Vec<RecognizedFace>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecognizedFace {
    #[serde(flatten)]
    pub face: Face,
    pub subjects: Vec<SubjectSimilarity>,
}

/// `{ result: [ { ...FACE, similarity } ] }`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Verification {
    pub result: Vec<VerifiedFace>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VerifiedFace {
    #[serde(flatten)]
    pub face: Face,
    pub similarity: f32,
}

/// `{ face, result: [ {image_id, subject, similarity, created_at} ] }`: the probe's largest face
/// and the stored faces found for it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Search {
    pub face: Face,
    pub result: Vec<SearchHit>,
}

/// A face gallery over a native store.
pub struct Gallery<S: Store> {
    store: S,
    state: GalleryState,
    options: GalleryOptions,
}

impl<S: Store> Gallery<S> {
    /// Opens the gallery in `store`, rebuilding the search index from it.
    pub fn open(mut store: S, options: GalleryOptions) -> Result<Self> {
        let state = GalleryState::from_snapshot(store.load()?)?;
        Ok(Gallery { store, state, options })
    }

    /// The state in memory (for reads the façade does not wrap).
    pub fn state(&self) -> &GalleryState {
        &self.state
    }

    /// Plans on the current state and commits; when another writer committed first, reloads
    /// and plans again (the answer may differ, e.g. a face deleted meanwhile is NOT_FOUND).
    fn write<R>(&mut self, plan: impl Fn(&GalleryState) -> Result<(ChangeSet, R)>) -> Result<R> {
        for _ in 0..4 {
            let (change, answer) = plan(&self.state)?;
            if change.is_empty() {
                return Ok(answer);
            }
            if self.store.commit(&change, self.state.generation())? {
                self.state.apply(&change);
                return Ok(answer);
            }
            self.state = GalleryState::from_snapshot(self.store.load()?)?;
        }
        Err(Error::storage("the store changed under every attempt to write; try again"))
    }

    pub fn add_subject(&mut self, subject: &str) -> Result<SubjectAnswer> {
        self.write(|s| Ok((s.plan_add_subject(subject)?, ())))?;
        Ok(SubjectAnswer { subject: subject.to_string() })
    }

    /// `updated`: false when `from == to`.
    pub fn rename_subject(&mut self, from: &str, to: &str) -> Result<bool> {
        self.write(|s| s.plan_rename_subject(from, to))
    }

    pub fn delete_subject(&mut self, subject: &str) -> Result<SubjectAnswer> {
        self.write(|s| Ok((s.plan_delete_subject(subject)?, ())))?;
        Ok(SubjectAnswer { subject: subject.to_string() })
    }

    /// The number of subjects deleted.
    pub fn delete_all_subjects(&mut self) -> Result<usize> {
        self.write(|s| Ok(s.plan_delete_all_subjects()))
    }

    pub fn list_subjects(&self) -> Vec<String> {
        self.state.subjects()
    }

    /// Files an embedding (512 finite values, not all zero) under `subject`.
    pub fn add_embedding(&mut self, subject: &str, embedding: &[f32]) -> Result<FaceRef> {
        self.add(subject, embedding, None)
    }

    fn add(&mut self, subject: &str, embedding: &[f32], image: Option<StoredImage>) -> Result<FaceRef> {
        let (image_id, created_at) = (uuid_v4()?, now_iso8601()?);
        self.write(|s| s.plan_add_face(subject, embedding, image.clone(), image_id.clone(), created_at.clone()))
    }

    /// Detects the one face of an encoded photo and files its embedding under `subject` (and
    /// the photo, with `save_images`). No face is `NO_FACE`; two or more is `MULTIPLE_FACES`.
    pub fn add_face(&mut self, sdk: &Likeness, subject: &str, photo: &[u8], det_prob_threshold: Option<f32>) -> Result<FaceRef> {
        records::check_subject(subject)?;
        let mut detect = DetectOptions::default();
        if let Some(t) = det_prob_threshold {
            detect.det_prob_threshold = t;
        }
        let img = decode(photo, &sdk.limits)?;
        let mut faces = sdk.analyze(&img, &AnalyzeOptions { detect, embedding: true, liveness: false })?.faces;
        let face = single_face(&mut faces)?;
        let image = self.options.save_images.then(|| StoredImage { mime: mime_of(photo), bytes: photo.to_vec() });
        self.add(subject, embedding_of(&face), image)
    }

    pub fn list_faces(&self, page: usize, size: usize, subject: Option<&str>) -> Result<FacePage> {
        self.state.list_faces(page, size, subject)
    }

    /// Unknown ids are `NOT_FOUND`.
    pub fn delete_face(&mut self, image_id: &str) -> Result<FaceRef> {
        self.write(|s| s.plan_delete_face(image_id))
    }

    /// The faces deleted; unknown ids are ignored.
    pub fn delete_faces(&mut self, image_ids: &[String]) -> Result<Vec<FaceRef>> {
        self.write(|s| s.plan_delete_faces(image_ids))
    }

    /// The number of faces deleted.
    pub fn delete_faces_of_subject(&mut self, subject: &str) -> Result<usize> {
        self.write(|s| s.plan_delete_faces_of_subject(subject))
    }

    /// The enrolled photo of a face: `NOT_FOUND` for an unknown id or when none was saved.
    pub fn face_image(&mut self, image_id: &str) -> Result<StoredImage> {
        records::check_image_id(image_id)?;
        self.store.image(image_id)?.ok_or_else(|| Error::not_found(format!("no saved image for image_id {image_id:?}")))
    }

    /// Every face of the photo (largest first, up to `limit`) with its most similar subjects.
    pub fn recognize(&self, sdk: &Likeness, photo: &[u8], opts: &ProbeOptions) -> Result<Recognition> {
        let faces = probe(sdk, photo, opts)?;
        let result = faces
            .into_iter()
            .map(|face| {
                let subjects = self.state.recognize(embedding_of(&face), opts.prediction_count)?;
                Ok(RecognizedFace { face: keep_embedding(face, opts), subjects })
            })
            .collect::<Result<_>>()?;
        Ok(Recognition { result })
    }

    /// Every face of the photo with its similarity to the stored face `image_id`.
    pub fn verify(&self, sdk: &Likeness, photo: &[u8], image_id: &str, opts: &ProbeOptions) -> Result<Verification> {
        if !self.state.contains(records::check_image_id(image_id)?) {
            return Err(Error::not_found(format!("no face with image_id {image_id:?}")));
        }
        let result = probe(sdk, photo, opts)?
            .into_iter()
            .map(|face| {
                let similarity = self.state.verify(embedding_of(&face), image_id)?;
                Ok(VerifiedFace { face: keep_embedding(face, opts), similarity })
            })
            .collect::<Result<_>>()?;
        Ok(Verification { result })
    }

    /// `recognizeEmbeddings`: the most similar subjects of each embedding.
    pub fn recognize_embeddings(&self, embeddings: &[Vec<f32>], prediction_count: usize) -> Result<Vec<Vec<SubjectSimilarity>>> {
        embeddings.iter().map(|e| self.state.recognize(e, prediction_count)).collect()
    }

    /// The stored faces at least `threshold` similar to the photo's largest face, best first.
    pub fn search(&self, sdk: &Likeness, photo: &[u8], top_n: usize, threshold: Threshold, detect: DetectOptions) -> Result<Search> {
        let opts = ProbeOptions { detect: DetectOptions { limit: Some(1), ..detect }, ..Default::default() };
        let face = probe(sdk, photo, &opts)?
            .into_iter()
            .next()
            .ok_or_else(|| Error::no_face("no face in the photo to search for"))?;
        let result = self.state.search(embedding_of(&face), top_n, threshold)?;
        Ok(Search { face: keep_embedding(face, &opts), result })
    }

    /// The whole gallery as a versioned backup (with saved photos).
    pub fn export(&mut self) -> Result<Backup> {
        let mut faces = Vec::with_capacity(self.state.face_count());
        for face in self.state.all_faces() {
            let image = self.store.image(&face.image_id)?;
            faces.push(backup::BackupFace { face, image });
        }
        Ok(Backup::new(now_iso8601()?, self.state.subjects(), faces))
    }

    /// Adds a backup's subjects and faces (same image ids are overwritten), all or nothing.
    /// Returns (subjects, faces) imported.
    pub fn import(&mut self, backup: Backup) -> Result<(usize, usize)> {
        self.write(|s| s.plan_import(backup.clone()).map(|(c, subjects, faces)| (c, (subjects, faces))))
    }
}

/// The faces of a probe photo, each with its embedding.
fn probe(sdk: &Likeness, photo: &[u8], opts: &ProbeOptions) -> Result<Vec<Face>> {
    let img = decode(photo, &sdk.limits)?;
    Ok(sdk.analyze(&img, &AnalyzeOptions { detect: opts.detect, embedding: true, liveness: false })?.faces)
}

fn keep_embedding(mut face: Face, opts: &ProbeOptions) -> Face {
    if !opts.embedding {
        face.embedding = None;
    }
    face
}

/// The one face `addFace` needs.
pub fn single_face(faces: &mut Vec<Face>) -> Result<Face> {
    check_single_face(faces.len())?;
    faces.pop().ok_or_else(|| Error::no_face("no face found"))
}

/// `addFace`'s rule, given how many faces the photo shows: exactly one.
pub fn check_single_face(found: usize) -> Result<()> {
    match found {
        0 => Err(Error::no_face("no face found in the photo to add")),
        1 => Ok(()),
        n => Err(Error::new(
            ErrorCode::MultipleFaces,
            format!("the photo to add must show exactly one face, found {n}; crop it or raise detProbThreshold"),
        )),
    }
}

/// The embedding of an analysed face (`probe` and `add_face` always ask for one; an empty slice
/// would be refused by the gallery's checks).
fn embedding_of(face: &Face) -> &[f32] {
    face.embedding.as_deref().unwrap_or_default()
}

/// The MIME type of an encoded photo, from its first bytes.
pub(crate) fn mime_of(bytes: &[u8]) -> String {
    image::guess_format(bytes).map(|f| f.to_mime_type().to_string()).unwrap_or_else(|_| "application/octet-stream".into())
}
