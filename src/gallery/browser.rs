//! The gallery's wasm binding, `GalleryCore`: the state, search index and IndexedDB store of one
//! gallery. The npm package's `sdk.openGallery()` (js/gallery.js) wraps it: it turns photos into
//! embeddings with the SDK, runs one operation at a time, and relays each committed change to
//! the other tabs (`takeChange()` here, `applyRemote()` there).
//!
//! Writes return Promises (IndexedDB is asynchronous); searches are synchronous (memory only).
//! Every failure rejects/throws an `Error` with the core's `code`, as the rest of the module does.

use std::cell::RefCell;
use std::rc::Rc;

use js_sys::{Array, Object, Promise, Uint8Array, JSON};
use serde::Serialize;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::future_to_promise;

use super::idb::IdbStore;
use super::records::StoredImage;
use super::state::{ChangeSet, GalleryState};
use super::{Backup, SubjectAnswer};
use crate::clock::{now_iso8601, uuid_v4};
use crate::constants::*;
use crate::error::{Error, Result};
use crate::matching::Threshold;
use crate::wasm::{byte_vec, floats, option_entries, string, threshold, to_js, to_object};

/// What the exported methods return: errors are JS `Error`s with a `code`.
type JsResult<T> = std::result::Result<T, JsValue>;

struct Inner {
    store: IdbStore,
    state: RefCell<GalleryState>,
    /// The last committed change set as JSON, without images, for the other tabs.
    last_change: RefCell<Option<String>>,
}

/// One open gallery (`GalleryCore` in JavaScript).
#[wasm_bindgen(js_name = GalleryCore)]
pub struct GalleryCore {
    inner: Rc<Inner>,
}

#[derive(Serialize)]
struct Updated {
    updated: bool,
}

#[derive(Serialize)]
struct Deleted {
    deleted: usize,
}

#[derive(Serialize)]
struct Subjects {
    subjects: Vec<String>,
}

#[derive(Serialize)]
struct Imported {
    subjects: usize,
    faces: usize,
}

#[wasm_bindgen(js_class = GalleryCore)]
impl GalleryCore {
    /// `GalleryCore.open(name)` → `Promise<GalleryCore>`: opens (creating or upgrading) the
    /// IndexedDB database of gallery `name` and builds the search index from it.
    pub fn open(name: JsValue) -> Promise {
        future_to_promise(async move {
            let name = string(&name, "name").and_then(|n| check_gallery_name(&n).map(|_| n)).map_err(to_js)?;
            let store = IdbStore::open(&name).await.map_err(to_js)?;
            let loaded = match store.load().await {
                Ok(snapshot) => GalleryState::from_snapshot(snapshot),
                Err(e) => Err(e),
            };
            let state = loaded.map_err(|e| {
                store.close();
                to_js(e)
            })?;
            let inner = Inner { store, state: RefCell::new(state), last_change: RefCell::default() };
            Ok(GalleryCore { inner: Rc::new(inner) }.into())
        })
    }

    /// The store generation this gallery's memory reflects.
    #[wasm_bindgen(getter)]
    pub fn generation(&self) -> f64 {
        self.inner.state.borrow().generation() as f64
    }

    #[wasm_bindgen(getter, js_name = faceCount)]
    pub fn face_count(&self) -> usize {
        self.inner.state.borrow().face_count()
    }

    #[wasm_bindgen(js_name = addSubject)]
    pub fn add_subject(&self, subject: JsValue) -> Promise {
        let subject = string(&subject, "subject");
        self.write(move |s| {
            let subject = subject.clone()?;
            Ok((s.plan_add_subject(&subject)?, SubjectAnswer { subject }))
        })
    }

    #[wasm_bindgen(js_name = renameSubject)]
    pub fn rename_subject(&self, from: JsValue, to: JsValue) -> Promise {
        let names = string(&from, "subject").and_then(|f| Ok((f, string(&to, "newName")?)));
        self.write(move |s| {
            let (from, to) = names.clone()?;
            let (change, updated) = s.plan_rename_subject(&from, &to)?;
            Ok((change, Updated { updated }))
        })
    }

    #[wasm_bindgen(js_name = deleteSubject)]
    pub fn delete_subject(&self, subject: JsValue) -> Promise {
        let subject = string(&subject, "subject");
        self.write(move |s| {
            let subject = subject.clone()?;
            Ok((s.plan_delete_subject(&subject)?, SubjectAnswer { subject }))
        })
    }

    #[wasm_bindgen(js_name = deleteAllSubjects)]
    pub fn delete_all_subjects(&self) -> Promise {
        self.write(|s| {
            let (change, deleted) = s.plan_delete_all_subjects();
            Ok((change, Deleted { deleted }))
        })
    }

    /// `{ subjects: [...] }`, sorted.
    #[wasm_bindgen(js_name = listSubjects)]
    pub fn list_subjects(&self) -> JsResult<JsValue> {
        to_object(&Subjects { subjects: self.inner.state.borrow().subjects() }).map_err(to_js)
    }

    /// `addEmbedding(subject, embedding, image?)` → `Promise<{ image_id, subject }>`; `image`
    /// is `{ mime?, bytes: Uint8Array }`, the photo to keep (the wrapper passes it only when the
    /// gallery saves images; the MIME type is read from the bytes when not given).
    #[wasm_bindgen(js_name = addEmbedding)]
    pub fn add_embedding(&self, subject: JsValue, embedding: JsValue, image: JsValue) -> Promise {
        let args = (|| Ok((string(&subject, "subject")?, floats(&embedding, "embedding")?, stored_image(&image)?)))();
        self.add(args)
    }

    /// `addFace(subject, faces, image?)`: `faces` is what `analyze()` found in the photo; exactly
    /// one is required (`NO_FACE`, `MULTIPLE_FACES`), and its embedding is filed.
    #[wasm_bindgen(js_name = addFace)]
    pub fn add_face(&self, subject: JsValue, faces: JsValue, image: JsValue) -> Promise {
        let args = (|| {
            let subject = string(&subject, "subject")?;
            let faces = faces.dyn_ref::<Array>().ok_or_else(|| Error::invalid_argument("faces must be an array"))?;
            super::check_single_face(faces.length() as usize)?;
            let embedding = js_sys::Reflect::get(&faces.get(0), &JsValue::from_str("embedding")).unwrap_or(JsValue::UNDEFINED);
            Ok((subject, floats(&embedding, "faces[0].embedding")?, stored_image(&image)?))
        })();
        self.add(args)
    }

    /// `listFaces({ page = 0, size = 20, subject })`.
    #[wasm_bindgen(js_name = listFaces)]
    pub fn list_faces(&self, options: JsValue) -> JsResult<JsValue> {
        let (mut page, mut size, mut subject) = (0, DEFAULT_PAGE_SIZE, None);
        for (name, v) in option_entries(&options, &["page", "size", "subject"]).map_err(to_js)? {
            match name.as_str() {
                "page" => page = whole(&v, "page", 0, usize::MAX).map_err(to_js)?,
                "size" => size = whole(&v, "size", 1, MAX_PAGE_SIZE).map_err(to_js)?,
                "subject" if v.is_null() => subject = None,
                _ => subject = Some(string(&v, "subject").map_err(to_js)?),
            }
        }
        to_object(&self.inner.state.borrow().list_faces(page, size, subject.as_deref()).map_err(to_js)?).map_err(to_js)
    }

    #[wasm_bindgen(js_name = deleteFace)]
    pub fn delete_face(&self, image_id: JsValue) -> Promise {
        let id = string(&image_id, "imageId");
        self.write(move |s| s.plan_delete_face(&id.clone()?))
    }

    /// `deleteFaces([id, ...])` → `Promise<[{ image_id, subject }]>` of the faces that existed.
    #[wasm_bindgen(js_name = deleteFaces)]
    pub fn delete_faces(&self, image_ids: JsValue) -> Promise {
        let ids = image_ids
            .dyn_ref::<Array>()
            .ok_or_else(|| Error::invalid_argument("imageIds must be an array of image ids"))
            .and_then(|a| a.iter().map(|v| string(&v, "imageIds[]")).collect::<Result<Vec<_>>>());
        self.write(move |s| s.plan_delete_faces(&ids.clone()?))
    }

    #[wasm_bindgen(js_name = deleteFacesOfSubject)]
    pub fn delete_faces_of_subject(&self, subject: JsValue) -> Promise {
        let subject = string(&subject, "subject");
        self.write(move |s| {
            let (change, deleted) = s.plan_delete_faces_of_subject(&subject.clone()?)?;
            Ok((change, Deleted { deleted }))
        })
    }

    #[wasm_bindgen(js_name = hasFace)]
    pub fn has_face(&self, image_id: &str) -> bool {
        self.inner.state.borrow().contains(image_id)
    }

    /// `faceImage(id)` → `Promise<{ mime, bytes }>`; `NOT_FOUND` for an unknown id or no photo.
    #[wasm_bindgen(js_name = faceImage)]
    pub fn face_image(&self, image_id: JsValue) -> Promise {
        let inner = self.inner.clone();
        future_to_promise(async move {
            let id = string(&image_id, "imageId").map_err(to_js)?;
            let image = inner.store.image(&id).await.map_err(to_js)?;
            let image = image.ok_or_else(|| to_js(Error::not_found(format!("no saved image for image_id {id:?}"))))?;
            let o = Object::new();
            js_sys::Reflect::set(&o, &"mime".into(), &image.mime.into())?;
            js_sys::Reflect::set(&o, &"bytes".into(), &Uint8Array::from(image.bytes.as_slice()).into())?;
            Ok(o.into())
        })
    }

    /// `recognizeEmbeddings([e, ...], predictionCount)` → `[[{ subject, similarity }], ...]`.
    #[wasm_bindgen(js_name = recognizeEmbeddings)]
    pub fn recognize_embeddings(&self, embeddings: JsValue, prediction_count: JsValue) -> JsResult<JsValue> {
        let count = optional_whole(&prediction_count, "predictionCount", DEFAULT_PREDICTION_COUNT, usize::MAX).map_err(to_js)?;
        let list = embeddings.dyn_ref::<Array>().ok_or_else(|| to_js(Error::invalid_argument("embeddings must be an array")))?;
        let state = self.inner.state.borrow();
        let answers = list
            .iter()
            .enumerate()
            .map(|(i, e)| state.recognize(&floats(&e, &format!("embeddings[{i}]"))?, count))
            .collect::<Result<Vec<_>>>()
            .map_err(to_js)?;
        to_object(&answers).map_err(to_js)
    }

    /// `verifyEmbedding(e, imageId)` → the similarity; `NOT_FOUND` for an unknown id.
    #[wasm_bindgen(js_name = verifyEmbedding)]
    pub fn verify_embedding(&self, embedding: JsValue, image_id: JsValue) -> JsResult<JsValue> {
        let e = floats(&embedding, "embedding").map_err(to_js)?;
        let id = string(&image_id, "imageId").map_err(to_js)?;
        // Through JSON, like every other similarity: the shortest decimal of the f32.
        to_object(&self.inner.state.borrow().verify(&e, &id).map_err(to_js)?).map_err(to_js)
    }

    /// `searchEmbedding(e, { topN = 1, threshold = 'medium' })` → `[{ image_id, subject,
    /// similarity, created_at }]`, best first.
    #[wasm_bindgen(js_name = searchEmbedding)]
    pub fn search_embedding(&self, embedding: JsValue, options: JsValue) -> JsResult<JsValue> {
        let e = floats(&embedding, "embedding").map_err(to_js)?;
        let (mut top_n, mut limit) = (DEFAULT_SEARCH_TOP_N, Threshold::default());
        for (name, v) in option_entries(&options, &["topN", "threshold"]).map_err(to_js)? {
            match name.as_str() {
                "topN" => top_n = whole(&v, "topN", 1, MAX_SEARCH_TOP_N).map_err(to_js)?,
                _ => limit = threshold(&v).map_err(to_js)?,
            }
        }
        to_object(&self.inner.state.borrow().search(&e, top_n, limit).map_err(to_js)?).map_err(to_js)
    }

    /// `exportBackup()` → `Promise<backup>` (versioned JSON object, photos included).
    #[wasm_bindgen(js_name = exportBackup)]
    pub fn export_backup(&self) -> Promise {
        let inner = self.inner.clone();
        future_to_promise(async move {
            let faces = inner.state.borrow().all_faces();
            let subjects = inner.state.borrow().subjects();
            let mut with_images = Vec::with_capacity(faces.len());
            for face in faces {
                let image = inner.store.image(&face.image_id).await.map_err(to_js)?;
                with_images.push(super::backup::BackupFace { face, image });
            }
            let backup = Backup::new(now_iso8601().map_err(to_js)?, subjects, with_images);
            to_object(&backup).map_err(to_js)
        })
    }

    /// `importBackup(backup)` (the object `exportBackup` gave, or its JSON text) →
    /// `Promise<{ subjects, faces }>`; all or nothing.
    #[wasm_bindgen(js_name = importBackup)]
    pub fn import_backup(&self, backup: JsValue) -> Promise {
        let parsed = backup_from_js(&backup);
        self.write(move |s| {
            let (change, subjects, faces) = s.plan_import(parsed.clone()?)?;
            Ok((change, Imported { subjects, faces }))
        })
    }

    /// The change this gallery committed last, as JSON for `applyRemote` in another tab
    /// (taken once).
    #[wasm_bindgen(js_name = takeChange)]
    pub fn take_change(&self) -> Option<String> {
        self.inner.last_change.borrow_mut().take()
    }

    /// Applies another tab's committed change: directly when it is the next generation,
    /// otherwise (a message missed or out of order) by reloading from IndexedDB.
    #[wasm_bindgen(js_name = applyRemote)]
    pub fn apply_remote(&self, change: String) -> Promise {
        let inner = self.inner.clone();
        future_to_promise(async move {
            let change: ChangeSet = serde_json::from_str(&change)
                .map_err(|e| to_js(Error::invalid_argument(format!("not a gallery change: {e}"))))?;
            let current = inner.state.borrow().generation();
            if change.generation == current + 1 {
                inner.state.borrow_mut().apply(&change);
            } else if change.generation > current {
                inner.reload().await.map_err(to_js)?;
            }
            Ok(JsValue::UNDEFINED)
        })
    }

    /// Closes the database connection; later calls fail with `STORAGE_FAILED`.
    pub fn close(&self) {
        self.inner.store.close();
    }
}

impl GalleryCore {
    /// Files an embedding (and photo) under a subject, with a new id and time.
    fn add(&self, args: Result<(String, Vec<f32>, Option<StoredImage>)>) -> Promise {
        let args = args.and_then(|(subject, embedding, image)| Ok((subject, embedding, image, uuid_v4()?, now_iso8601()?)));
        self.write(move |s| {
            let (subject, embedding, image, id, at) = args.clone()?;
            s.plan_add_face(&subject, &embedding, image, id, at)
        })
    }

    /// Runs one write: plan on memory, commit to IndexedDB, apply to memory; replans after a
    /// reload when another tab committed first.
    fn write<R, P>(&self, plan: P) -> Promise
    where
        R: Serialize + 'static,
        P: Fn(&GalleryState) -> Result<(ChangeSet, R)> + 'static,
    {
        let inner = self.inner.clone();
        future_to_promise(async move {
            let answer = inner.write(plan).await.map_err(to_js)?;
            to_object(&answer).map_err(to_js)
        })
    }
}

impl Inner {
    async fn write<R>(&self, plan: impl Fn(&GalleryState) -> Result<(ChangeSet, R)>) -> Result<R> {
        for _ in 0..8 {
            let (change, answer) = plan(&self.state.borrow())?;
            if change.is_empty() {
                return Ok(answer);
            }
            let expected = self.state.borrow().generation();
            if self.store.commit(&change, expected).await? {
                self.state.borrow_mut().apply(&change);
                *self.last_change.borrow_mut() = Some(broadcast_form(change)?);
                return Ok(answer);
            }
            self.reload().await?;
        }
        Err(Error::storage("other tabs kept writing to the gallery; try again"))
    }

    async fn reload(&self) -> Result<()> {
        let snapshot = self.store.load().await?;
        *self.state.borrow_mut() = GalleryState::from_snapshot(snapshot)?;
        Ok(())
    }
}

/// A change as the other tabs need it: photos stay in IndexedDB, not in memory.
fn broadcast_form(mut change: ChangeSet) -> Result<String> {
    change.put_images.clear();
    serde_json::to_string(&change).map_err(|e| Error::storage(format!("serialising a change: {e}")))
}

fn check_gallery_name(name: &str) -> Result<()> {
    if name.is_empty() || name.len() > 200 || name.chars().any(char::is_control) {
        return Err(Error::invalid_argument("gallery name must be 1 to 200 characters without control characters"));
    }
    Ok(())
}

fn stored_image(v: &JsValue) -> Result<Option<StoredImage>> {
    if v.is_undefined() || v.is_null() {
        return Ok(None);
    }
    let get = |k: &str| js_sys::Reflect::get(v, &JsValue::from_str(k)).unwrap_or(JsValue::UNDEFINED);
    let bytes = byte_vec(&get("bytes")).ok_or_else(|| Error::invalid_argument("image.bytes must be a Uint8Array"))?;
    let mime = match get("mime") {
        m if m.is_undefined() || m.is_null() => super::mime_of(&bytes),
        m => string(&m, "image.mime")?,
    };
    Ok(Some(StoredImage { mime, bytes }))
}

fn backup_from_js(v: &JsValue) -> Result<Backup> {
    let text = match v.as_string() {
        Some(text) => text,
        None if v.is_object() => JSON::stringify(v)
            .ok()
            .and_then(|s| s.as_string())
            .ok_or_else(|| Error::invalid_argument("the backup could not be read as JSON"))?,
        None => return Err(Error::invalid_argument("backup must be the object export() gave or its JSON text")),
    };
    Backup::from_json(&text)
}

fn whole(v: &JsValue, name: &str, min: usize, max: usize) -> Result<usize> {
    match v.as_f64() {
        Some(n) if n.fract() == 0.0 && n >= min as f64 && n <= max as f64 => Ok(n as usize),
        _ => Err(Error::invalid_argument(format!("{name} must be an integer in {min}..={max}"))),
    }
}

fn optional_whole(v: &JsValue, name: &str, default: usize, max: usize) -> Result<usize> {
    if v.is_undefined() || v.is_null() {
        return Ok(default);
    }
    whole(v, name, 1, max)
}
