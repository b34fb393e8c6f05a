//! The gallery in memory — subjects, faces, the search index — and every operation in two
//! halves: `plan_*` checks a request against the current state and returns the [`ChangeSet`]
//! that performs it (plus the answer), and [`GalleryState::apply`] brings the state in step once
//! the store has committed that change set in one transaction. The store (a file natively,
//! IndexedDB in the browser) is therefore the only place a write can fail, and a failed write
//! leaves memory untouched.

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};

use super::index::EmbeddingIndex;
use super::records::*;
use crate::constants::*;
use crate::error::{Error, Result};
use crate::matching::Threshold;

/// One transaction's worth of writes, applied in this order: `clear`, `delete_faces` (and their
/// images), `delete_subjects`, `put_subjects`, `put_faces`, `put_images`. `generation` is the
/// store's generation after the commit; a store refuses a change set planned on a stale one.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ChangeSet {
    pub generation: u64,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub clear: bool,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub delete_faces: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub delete_subjects: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub put_subjects: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub put_faces: Vec<FaceRecord>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub put_images: Vec<(String, StoredImage)>,
}

impl ChangeSet {
    /// Nothing to write (the request changed nothing): no transaction, no new generation.
    pub fn is_empty(&self) -> bool {
        !self.clear
            && self.delete_faces.is_empty()
            && self.delete_subjects.is_empty()
            && self.put_subjects.is_empty()
            && self.put_faces.is_empty()
            && self.put_images.is_empty()
    }
}

/// Everything a store holds but the images: what a gallery is rebuilt from when it opens.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Snapshot {
    pub generation: u64,
    pub subjects: Vec<String>,
    pub faces: Vec<FaceRecord>,
}

/// A page of `listFaces` (seed 001's shape).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FacePage {
    pub faces: Vec<FaceRef>,
    pub page_number: usize,
    pub page_size: usize,
    pub total_pages: usize,
    pub total_elements: usize,
}

/// `{ subject, similarity }`: one prediction of `recognize`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SubjectSimilarity {
    pub subject: String,
    pub similarity: f32,
}

/// One stored face found by `search` (seed 003's result element, in our names).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SearchHit {
    pub image_id: String,
    pub subject: String,
    pub similarity: f32,
    pub created_at: String,
}

#[derive(Debug, Clone)]
struct FaceMeta {
    subject: String,
    created_at: String,
}

#[derive(Debug, Clone, Copy)]
struct SubjectEntry {
    /// Number in the index's subject column; never reused while the state lives.
    number: u32,
    faces: usize,
}

/// The gallery in memory, rebuilt from the store on open and kept in step with every commit.
#[derive(Debug, Default)]
pub struct GalleryState {
    generation: u64,
    subjects: BTreeMap<String, SubjectEntry>,
    subject_names: Vec<String>,
    faces: HashMap<String, FaceMeta>,
    index: EmbeddingIndex,
}

impl GalleryState {
    /// Rebuilds the state from what a store holds. Every embedding is checked again: a store
    /// edited by hand (or by a bug) is reported, not half-loaded.
    pub fn from_snapshot(snapshot: Snapshot) -> Result<Self> {
        let mut state = GalleryState { generation: snapshot.generation, ..Default::default() };
        for subject in &snapshot.subjects {
            state.put_subject(subject);
        }
        for face in snapshot.faces {
            let embedding = check_embedding(&face.embedding)
                .map_err(|e| Error::storage(format!("stored face {}: {}", face.image_id, e.message)))?;
            state.put_face(FaceRecord { embedding, ..face });
        }
        Ok(state)
    }

    pub fn generation(&self) -> u64 {
        self.generation
    }

    pub fn face_count(&self) -> usize {
        self.faces.len()
    }

    fn change(&self) -> ChangeSet {
        ChangeSet { generation: self.generation + 1, ..Default::default() }
    }

    // ---- writes: plan ----

    /// `addSubject`: `{ subject }`. Adding an existing subject changes nothing.
    pub fn plan_add_subject(&self, subject: &str) -> Result<ChangeSet> {
        let subject = check_subject(subject)?;
        let mut change = self.change();
        if !self.subjects.contains_key(subject) {
            change.put_subjects.push(subject.to_string());
        }
        Ok(change)
    }

    /// `renameSubject`: `updated` is false when the name is unchanged. Renaming onto an existing
    /// subject merges: its faces move over and the old subject is removed (seed 001).
    pub fn plan_rename_subject(&self, from: &str, to: &str) -> Result<(ChangeSet, bool)> {
        let (from, to) = (check_subject(from)?, check_subject(to)?);
        if !self.subjects.contains_key(from) {
            return Err(Error::not_found(format!("no subject {from:?}")));
        }
        let mut change = self.change();
        if from == to {
            return Ok((ChangeSet::default(), false));
        }
        change.delete_subjects.push(from.to_string());
        change.put_subjects.push(to.to_string());
        change.put_faces = self.faces_of(from).map(|f| FaceRecord { subject: to.to_string(), ..f }).collect();
        Ok((change, true))
    }

    /// `deleteSubject`: the subject and all its faces, in one change set.
    pub fn plan_delete_subject(&self, subject: &str) -> Result<ChangeSet> {
        let subject = check_subject(subject)?;
        if !self.subjects.contains_key(subject) {
            return Err(Error::not_found(format!("no subject {subject:?}")));
        }
        let mut change = self.change();
        change.delete_faces = self.faces_of(subject).map(|f| f.image_id).collect();
        change.delete_subjects.push(subject.to_string());
        Ok(change)
    }

    /// `deleteAllSubjects`: `deleted` is the number of subjects removed.
    pub fn plan_delete_all_subjects(&self) -> (ChangeSet, usize) {
        if self.subjects.is_empty() && self.faces.is_empty() {
            return (ChangeSet::default(), 0);
        }
        (ChangeSet { clear: true, ..self.change() }, self.subjects.len())
    }

    /// `addEmbedding` / `addFace`: files a new face (and its photo, if given) under `subject`,
    /// creating the subject when it is new.
    pub fn plan_add_face(
        &self,
        subject: &str,
        embedding: &[f32],
        image: Option<StoredImage>,
        image_id: String,
        created_at: String,
    ) -> Result<(ChangeSet, FaceRef)> {
        let subject = check_subject(subject)?;
        let embedding = check_embedding(embedding)?;
        let mut change = self.change();
        if !self.subjects.contains_key(subject) {
            change.put_subjects.push(subject.to_string());
        }
        if let Some(image) = image {
            change.put_images.push((image_id.clone(), image));
        }
        let face = FaceRecord { image_id, subject: subject.to_string(), embedding, created_at };
        let answer = FaceRef::from(&face);
        change.put_faces.push(face);
        Ok((change, answer))
    }

    /// `deleteFace`: unknown ids are `NOT_FOUND`.
    pub fn plan_delete_face(&self, image_id: &str) -> Result<(ChangeSet, FaceRef)> {
        let image_id = check_image_id(image_id)?;
        let (change, mut deleted) = self.plan_delete_faces(&[image_id.to_string()])?;
        let face = deleted.pop().ok_or_else(|| Error::not_found(format!("no face with image_id {image_id:?}")))?;
        Ok((change, face))
    }

    /// `deleteFaces`: the faces that existed, in the order asked; unknown ids are ignored (seed
    /// 001). Subjects left without a face vanish with it.
    pub fn plan_delete_faces(&self, image_ids: &[String]) -> Result<(ChangeSet, Vec<FaceRef>)> {
        let mut change = self.change();
        let mut removed: HashMap<&str, usize> = HashMap::new();
        let mut deleted = Vec::new();
        for id in image_ids {
            check_image_id(id)?;
            let Some(meta) = self.faces.get(id.as_str()) else { continue };
            if change.delete_faces.contains(id) {
                continue;
            }
            change.delete_faces.push(id.clone());
            *removed.entry(meta.subject.as_str()).or_default() += 1;
            deleted.push(FaceRef { image_id: id.clone(), subject: meta.subject.clone() });
        }
        for (subject, count) in removed {
            if self.subjects.get(subject).is_some_and(|s| s.faces == count) {
                change.delete_subjects.push(subject.to_string());
            }
        }
        Ok((change, deleted))
    }

    /// `deleteFacesOfSubject`: `deleted` is the number of faces removed (0 for an unknown
    /// subject); the subject vanishes with them.
    pub fn plan_delete_faces_of_subject(&self, subject: &str) -> Result<(ChangeSet, usize)> {
        let subject = check_subject(subject)?;
        let ids: Vec<String> = self.faces_of(subject).map(|f| f.image_id).collect();
        if ids.is_empty() {
            return Ok((ChangeSet::default(), 0));
        }
        let (change, deleted) = self.plan_delete_faces(&ids)?;
        Ok((change, deleted.len()))
    }

    /// `import`: every face of a checked backup (existing image ids are overwritten) and every
    /// subject it names. Returns (subjects, faces) imported.
    pub fn plan_import(&self, backup: super::backup::Backup) -> Result<(ChangeSet, usize, usize)> {
        let checked = backup.check()?;
        let mut change = self.change();
        let (subjects, faces) = (checked.subjects.len(), checked.faces.len());
        change.put_subjects = checked.subjects.into_iter().filter(|s| !self.subjects.contains_key(s)).collect();
        for (face, image) in checked.faces {
            if let Some(image) = image {
                change.put_images.push((face.image_id.clone(), image));
            }
            change.put_faces.push(face);
        }
        Ok((change, subjects, faces))
    }

    // ---- writes: apply ----

    /// Brings memory in step with a committed change set (same order as the store applies it).
    pub fn apply(&mut self, change: &ChangeSet) {
        if change.is_empty() {
            return;
        }
        if change.clear {
            *self = GalleryState { subject_names: std::mem::take(&mut self.subject_names), ..Default::default() };
        }
        for id in &change.delete_faces {
            self.remove_face(id);
        }
        for subject in &change.delete_subjects {
            // Faces still filed under it were re-filed by this change set (a rename) or deleted.
            self.subjects.remove(subject);
        }
        for subject in &change.put_subjects {
            self.put_subject(subject);
        }
        for face in &change.put_faces {
            self.put_face(face.clone());
        }
        self.generation = change.generation;
    }

    fn put_subject(&mut self, subject: &str) -> u32 {
        if let Some(entry) = self.subjects.get(subject) {
            return entry.number;
        }
        let number = self.subject_names.len() as u32;
        self.subject_names.push(subject.to_string());
        self.subjects.insert(subject.to_string(), SubjectEntry { number, faces: 0 });
        number
    }

    fn put_face(&mut self, face: FaceRecord) {
        self.remove_face(&face.image_id);
        let number = self.put_subject(&face.subject);
        if let Some(entry) = self.subjects.get_mut(&face.subject) {
            entry.faces += 1;
        }
        self.index.insert(&face.image_id, number, &face.embedding);
        self.faces.insert(face.image_id, FaceMeta { subject: face.subject, created_at: face.created_at });
    }

    fn remove_face(&mut self, image_id: &str) {
        if let Some(meta) = self.faces.remove(image_id) {
            if let Some(entry) = self.subjects.get_mut(&meta.subject) {
                entry.faces = entry.faces.saturating_sub(1);
            }
            self.index.remove(image_id);
        }
    }

    // ---- reads ----

    /// `listSubjects`, sorted by name.
    pub fn subjects(&self) -> Vec<String> {
        self.subjects.keys().cloned().collect()
    }

    /// Number of faces filed under `subject` (None: no such subject).
    pub fn subject_face_count(&self, subject: &str) -> Option<usize> {
        self.subjects.get(subject).map(|s| s.faces)
    }

    /// Whether the gallery holds a face with this id.
    pub fn contains(&self, image_id: &str) -> bool {
        self.faces.contains_key(image_id)
    }

    /// The stored record of one face.
    pub fn face(&self, image_id: &str) -> Option<FaceRecord> {
        let meta = self.faces.get(image_id)?;
        Some(FaceRecord {
            image_id: image_id.to_string(),
            subject: meta.subject.clone(),
            embedding: self.index.embedding(image_id)?.to_vec(),
            created_at: meta.created_at.clone(),
        })
    }

    fn faces_of<'a>(&'a self, subject: &'a str) -> impl Iterator<Item = FaceRecord> + 'a {
        self.faces.iter().filter(move |(_, m)| m.subject == subject).filter_map(|(id, _)| self.face(id))
    }

    /// The faces (of one subject, or all), ordered by subject, then time added, then id: the
    /// order of `listFaces` pages and of backups.
    fn ordered(&self, subject: Option<&str>) -> Vec<(&String, &FaceMeta)> {
        let mut faces: Vec<(&String, &FaceMeta)> =
            self.faces.iter().filter(|(_, m)| subject.is_none_or(|s| m.subject == s)).collect();
        faces.sort_by(|a, b| (&a.1.subject, &a.1.created_at, a.0).cmp(&(&b.1.subject, &b.1.created_at, b.0)));
        faces
    }

    /// Every face, in [`Self::ordered`] order.
    pub fn all_faces(&self) -> Vec<FaceRecord> {
        self.ordered(None).into_iter().filter_map(|(id, _)| self.face(id)).collect()
    }

    /// `listFaces`: one page (from 0) of `{image_id, subject}`, optionally of one subject.
    pub fn list_faces(&self, page: usize, size: usize, subject: Option<&str>) -> Result<FacePage> {
        if size == 0 || size > MAX_PAGE_SIZE {
            return Err(Error::invalid_argument(format!("size must be 1..={MAX_PAGE_SIZE}, got {size}")));
        }
        let faces = self.ordered(subject);
        let total_elements = faces.len();
        let page_faces = faces
            .into_iter()
            .skip(page.saturating_mul(size))
            .take(size)
            .map(|(id, m)| FaceRef { image_id: id.clone(), subject: m.subject.clone() })
            .collect();
        Ok(FacePage {
            faces: page_faces,
            page_number: page,
            page_size: size,
            total_pages: total_elements.div_ceil(size),
            total_elements,
        })
    }

    /// `recognize`: the `count` most similar subjects (each by its best face), best first.
    pub fn recognize(&self, embedding: &[f32], count: usize) -> Result<Vec<SubjectSimilarity>> {
        let query = check_embedding(embedding)?;
        check_count(count, "predictionCount", usize::MAX)?;
        Ok(self
            .index
            .top_subjects(&query, count, self.subject_names.len())
            .into_iter()
            .map(|(number, score)| SubjectSimilarity {
                subject: self.subject_names[number as usize].clone(),
                similarity: clamp(score),
            })
            .collect())
    }

    /// `verify`: the similarity of an embedding with one stored face.
    pub fn verify(&self, embedding: &[f32], image_id: &str) -> Result<f32> {
        let query = check_embedding(embedding)?;
        let stored = self
            .index
            .embedding(check_image_id(image_id)?)
            .ok_or_else(|| Error::not_found(format!("no face with image_id {image_id:?}")))?;
        Ok(clamp(super::index::dot(&query, stored)))
    }

    /// `search` (seed 003): the `top_n` (≤ 10) stored faces at least `threshold` similar, best
    /// first.
    pub fn search(&self, embedding: &[f32], top_n: usize, threshold: Threshold) -> Result<Vec<SearchHit>> {
        let query = check_embedding(embedding)?;
        check_count(top_n, "topN", MAX_SEARCH_TOP_N)?;
        Ok(self
            .index
            .top_rows(&query, top_n)
            .into_iter()
            .filter(|hit| threshold.accepts(hit.score))
            .filter_map(|hit| {
                let id = self.index.id(hit.row);
                let meta = self.faces.get(id)?;
                Some(SearchHit {
                    image_id: id.to_string(),
                    subject: meta.subject.clone(),
                    similarity: clamp(hit.score),
                    created_at: meta.created_at.clone(),
                })
            })
            .collect())
    }
}

fn check_count(n: usize, name: &str, max: usize) -> Result<()> {
    if n == 0 || n > max {
        return Err(Error::invalid_argument(format!("{name} must be 1..={max}, got {n}")));
    }
    Ok(())
}

/// Rounding can put the dot product of two unit vectors a hair outside [-1, 1].
fn clamp(score: f32) -> f32 {
    score.clamp(-1.0, 1.0)
}
