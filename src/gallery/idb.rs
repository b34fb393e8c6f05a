//! The browser's gallery store: one IndexedDB database per gallery, through the `idb` crate.
//!
//! Database `likeness-gallery:<name>`, schema version [`GALLERY_SCHEMA_VERSION`]:
//!
//! | store      | key                  | value                                                       |
//! |------------|----------------------|-------------------------------------------------------------|
//! | `meta`     | `"state"`            | `{ generation }`: bumped by every committed change set      |
//! | `subjects` | the subject name     | `{ subject }`                                               |
//! | `faces`    | `image_id` (keyPath) | `{ image_id, subject, embedding: Float32Array(512), created_at }` |
//! | `images`   | the image id         | `{ mime, bytes: Uint8Array }` (only with `saveImages`)      |
//!
//! Schema history, applied step by step in `upgradeneeded`: 1 — `meta`, `subjects`, `faces`;
//! 2 — `images` (photos kept with `saveImages`). Every change set is one `readwrite`
//! transaction over all four stores that first re-reads `meta.generation`: a change planned on
//! a stale view (another tab wrote meanwhile) is aborted and planned again, so no write is lost
//! and none is applied twice. Our connections close on `versionchange`, so a newer Likeness in
//! another tab can upgrade; an upgrade that an older, unresponsive connection keeps waiting for
//! more than [`GALLERY_BLOCKED_GRACE_MS`] is `STORAGE_BLOCKED` (and is then abandoned), a database written by a newer schema is `STORAGE_VERSION`, a full disk is
//! `STORAGE_QUOTA_EXCEEDED`.

use std::cell::{Cell, RefCell};
use std::future::{poll_fn, Future, IntoFuture};
use std::pin::{pin, Pin};
use std::rc::Rc;
use std::task::{Poll, Waker};

use idb::{Database, DatabaseEvent, Event, Factory, KeyPath, ObjectStoreParams, Request, TransactionMode, TransactionResult};
use js_sys::{Float32Array, Function, Object, Reflect, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

use super::records::{FaceRecord, StoredImage};
use super::state::{ChangeSet, Snapshot};
use crate::constants::{GALLERY_BLOCKED_GRACE_MS, GALLERY_SCHEMA_VERSION};
use crate::error::{Error, ErrorCode, Result};

const META: &str = "meta";
const SUBJECTS: &str = "subjects";
const FACES: &str = "faces";
const IMAGES: &str = "images";
const ALL_STORES: [&str; 4] = [META, SUBJECTS, FACES, IMAGES];
const STATE_KEY: &str = "state";

/// An open gallery database.
pub struct IdbStore {
    db: Database,
    /// Set when another tab's upgrade made us close the connection.
    closed: Rc<Cell<bool>>,
}

/// The IndexedDB name of gallery `name`.
pub fn database_name(name: &str) -> String {
    format!("likeness-gallery:{name}")
}

impl IdbStore {
    /// Opens (creating or upgrading) the database of gallery `name`.
    pub async fn open(name: &str) -> Result<IdbStore> {
        let factory = Factory::new().map_err(|e| storage_error("IndexedDB is not available", e))?;
        let mut request = factory
            .open(&database_name(name), Some(GALLERY_SCHEMA_VERSION))
            .map_err(|e| storage_error("opening the gallery database", e))?;
        let upgrade_error: Rc<RefCell<Option<Error>>> = Rc::default();
        // Set when we give up on a blocked open: the request stays queued in the browser, and if
        // the blocker lets go later, the upgrade must not run behind the app's back.
        let abandoned = Rc::new(Cell::new(false));
        let (failed, given_up) = (upgrade_error.clone(), abandoned.clone());
        request.on_upgrade_needed(move |event| {
            let result = if given_up.get() { Err(Error::storage("abandoned")) } else { upgrade(&event) };
            if let Err(e) = result {
                // Aborting the version change makes the open request fail; we report this error.
                if let Ok(tx) = event.target().map(|r| r.transaction()) {
                    let _ = tx.map(|t| t.abort());
                }
                *failed.borrow_mut() = Some(e);
            }
        });
        let blocked = Signal::default();
        let on_blocked = blocked.clone();
        request.on_blocked(move |_| on_blocked.raise());

        let opened = {
            let mut open = pin!(request.into_future());
            let mut grace: Option<JsFuture> = None;
            poll_fn(|cx| {
                if let Poll::Ready(r) = open.as_mut().poll(cx) {
                    return Poll::Ready(Some(r));
                }
                if grace.is_none() && blocked.is_raised(cx.waker()) {
                    grace = Some(sleep(GALLERY_BLOCKED_GRACE_MS));
                }
                match grace.as_mut().map(|g| Pin::new(g).poll(cx)) {
                    Some(Poll::Ready(_)) => Poll::Ready(None),
                    _ => Poll::Pending,
                }
            })
            .await
        };
        let mut db = match opened {
            None => {
                abandoned.set(true);
                return Err(Error::new(
                    ErrorCode::StorageBlocked,
                    "the gallery database needs an upgrade that another open tab is blocking; close the other tabs of this app and retry",
                ))
            }
            Some(Err(e)) => return Err(upgrade_error.borrow_mut().take().unwrap_or_else(|| open_error(e))),
            Some(Ok(db)) => db,
        };
        let closed = Rc::new(Cell::new(false));
        let flag = closed.clone();
        db.on_version_change(move |event| {
            flag.set(true);
            if let Some(db) = event.target().and_then(|t| Database::try_from(t).ok()) {
                db.close();
            }
        });
        Ok(IdbStore { db, closed })
    }

    pub fn close(&self) {
        self.closed.set(true);
        self.db.close();
    }

    fn check_open(&self) -> Result<()> {
        if self.closed.get() {
            return Err(Error::storage(
                "the gallery database was closed (closed by the app, or upgraded by a newer version in another tab); open it again",
            ));
        }
        Ok(())
    }

    /// Everything but the images, read in one transaction (a consistent view).
    pub async fn load(&self) -> Result<Snapshot> {
        self.check_open()?;
        let tx = self.db.transaction(&[META, SUBJECTS, FACES], TransactionMode::ReadOnly).map_err(tx_error)?;
        // All three requests are issued, and their result callbacks attached (`into_future`),
        // before the first await: the transaction cannot finish between them and no result can
        // arrive before someone listens for it.
        let generation = tx.object_store(META).and_then(|s| s.get(JsValue::from_str(STATE_KEY))).map_err(tx_error)?.into_future();
        let subjects = tx.object_store(SUBJECTS).and_then(|s| s.get_all_keys(None, None)).map_err(tx_error)?.into_future();
        let faces = tx.object_store(FACES).and_then(|s| s.get_all(None, None)).map_err(tx_error)?.into_future();
        let generation = generation_of(generation.await.map_err(tx_error)?)?;
        let subjects = subjects
            .await
            .map_err(tx_error)?
            .into_iter()
            .map(|k| k.as_string().ok_or_else(|| Error::storage("a stored subject key is not a string")))
            .collect::<Result<Vec<_>>>()?;
        let faces = faces.await.map_err(tx_error)?.iter().map(face_from_js).collect::<Result<Vec<_>>>()?;
        Ok(Snapshot { generation, subjects, faces })
    }

    /// Writes `change` in one transaction if the stored generation is still `expected`.
    pub async fn commit(&self, change: &ChangeSet, expected: u64) -> Result<bool> {
        self.check_open()?;
        let tx = self.db.transaction(&ALL_STORES, TransactionMode::ReadWrite).map_err(tx_error)?;
        let store = |name| tx.object_store(name).map_err(tx_error);
        let (meta, subjects, faces, images) = (store(META)?, store(SUBJECTS)?, store(FACES)?, store(IMAGES)?);
        // A second handle on the transaction, to read why it aborted (tx is consumed by await).
        let reason = meta.transaction();
        let current = generation_of(meta.get(JsValue::from_str(STATE_KEY)).map_err(tx_error)?.await.map_err(tx_error)?)?;
        if current != expected {
            let _ = tx.abort();
            return Ok(false);
        }
        let queued: std::result::Result<(), idb::Error> = (|| {
            if change.clear {
                subjects.clear()?;
                faces.clear()?;
                images.clear()?;
            }
            for id in &change.delete_faces {
                faces.delete(JsValue::from_str(id))?;
                images.delete(JsValue::from_str(id))?;
            }
            for s in &change.delete_subjects {
                subjects.delete(JsValue::from_str(s))?;
            }
            for s in &change.put_subjects {
                subjects.put(&subject_to_js(s), Some(&JsValue::from_str(s)))?;
            }
            for f in &change.put_faces {
                faces.put(&face_to_js(f), None)?;
            }
            for (id, image) in &change.put_images {
                images.put(&image_to_js(image), Some(&JsValue::from_str(id)))?;
            }
            meta.put(&generation_to_js(change.generation), Some(&JsValue::from_str(STATE_KEY)))?;
            Ok(())
        })();
        if let Err(e) = queued {
            let _ = tx.abort();
            return Err(write_error(e));
        }
        match tx.commit().map_err(write_error)?.await {
            Ok(TransactionResult::Committed) => Ok(true),
            Ok(TransactionResult::Aborted) => Err(match reason.error() {
                Some(e) if e.name() == "QuotaExceededError" => quota_exceeded(),
                Some(e) => Error::storage(format!("the browser aborted the gallery transaction ({}: {}); nothing was written", e.name(), e.message())),
                None => Error::storage("the browser aborted the gallery transaction; nothing was written"),
            }),
            Err(e) => Err(write_error(e)),
        }
    }

    /// The saved photo of a face.
    pub async fn image(&self, image_id: &str) -> Result<Option<StoredImage>> {
        self.check_open()?;
        let tx = self.db.transaction(&[IMAGES], TransactionMode::ReadOnly).map_err(tx_error)?;
        let value = tx.object_store(IMAGES).and_then(|s| s.get(JsValue::from_str(image_id))).map_err(tx_error)?;
        value.await.map_err(tx_error)?.map(|v| image_from_js(&v)).transpose()
    }
}

/// The schema steps from the stored version up to [`GALLERY_SCHEMA_VERSION`].
fn upgrade(event: &idb::event::VersionChangeEvent) -> std::result::Result<(), Error> {
    let db = event.database().map_err(|e| storage_error("upgrading the gallery database", e))?;
    let old = event.old_version().map_err(|e| storage_error("upgrading the gallery database", e))?;
    let create = |name: &str, key_path: Option<&str>| {
        let mut params = ObjectStoreParams::new();
        params.key_path(key_path.map(KeyPath::new_single));
        db.create_object_store(name, params).map(|_| ()).map_err(|e| storage_error("creating the gallery stores", e))
    };
    if old < 1 {
        create(META, None)?;
        create(SUBJECTS, None)?;
        create(FACES, Some("image_id"))?;
    }
    if old < 2 {
        create(IMAGES, None)?;
    }
    Ok(())
}

/// Resolves after `ms` milliseconds (`setTimeout` of the page or worker).
fn sleep(ms: i32) -> JsFuture {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        let set_timeout = Reflect::get(&js_sys::global(), &JsValue::from_str("setTimeout")).ok().and_then(|f| f.dyn_into::<Function>().ok());
        match set_timeout {
            Some(f) => {
                let _ = f.call2(&JsValue::UNDEFINED, &resolve, &JsValue::from(ms));
            }
            // No timer at all: give up at once rather than wait forever.
            None => {
                let _ = resolve.call0(&JsValue::UNDEFINED);
            }
        }
    });
    JsFuture::from(promise)
}

/// A one-shot flag a callback raises and a future polls.
#[derive(Clone, Default)]
struct Signal(Rc<RefCell<(bool, Option<Waker>)>>);

impl Signal {
    fn raise(&self) {
        let mut s = self.0.borrow_mut();
        s.0 = true;
        if let Some(w) = s.1.take() {
            w.wake();
        }
    }

    fn is_raised(&self, waker: &Waker) -> bool {
        let mut s = self.0.borrow_mut();
        if !s.0 {
            s.1 = Some(waker.clone());
        }
        s.0
    }
}

// ---- JS values of the stores ----

fn get(v: &JsValue, key: &str) -> JsValue {
    Reflect::get(v, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

fn set(o: &Object, key: &str, value: &JsValue) {
    // Setting a property of a fresh plain object cannot fail.
    let _ = Reflect::set(o, &JsValue::from_str(key), value);
}

fn generation_of(value: Option<JsValue>) -> Result<u64> {
    match value {
        None => Ok(0),
        Some(v) => get(&v, "generation")
            .as_f64()
            .filter(|g| g.fract() == 0.0 && *g >= 0.0)
            .map(|g| g as u64)
            .ok_or_else(|| Error::storage("the stored gallery generation is not a number")),
    }
}

fn generation_to_js(generation: u64) -> JsValue {
    let o = Object::new();
    set(&o, "generation", &JsValue::from_f64(generation as f64));
    o.into()
}

fn subject_to_js(subject: &str) -> JsValue {
    let o = Object::new();
    set(&o, "subject", &JsValue::from_str(subject));
    o.into()
}

fn face_to_js(face: &FaceRecord) -> JsValue {
    let o = Object::new();
    set(&o, "image_id", &JsValue::from_str(&face.image_id));
    set(&o, "subject", &JsValue::from_str(&face.subject));
    set(&o, "embedding", &Float32Array::from(face.embedding.as_slice()).into());
    set(&o, "created_at", &JsValue::from_str(&face.created_at));
    o.into()
}

fn face_from_js(v: &JsValue) -> Result<FaceRecord> {
    let text = |key: &str| get(v, key).as_string().ok_or_else(|| Error::storage(format!("a stored face has no {key}")));
    let embedding = get(v, "embedding")
        .dyn_into::<Float32Array>()
        .map_err(|_| Error::storage("a stored face has no Float32Array embedding"))?
        .to_vec();
    Ok(FaceRecord { image_id: text("image_id")?, subject: text("subject")?, embedding, created_at: text("created_at")? })
}

fn image_to_js(image: &StoredImage) -> JsValue {
    let o = Object::new();
    set(&o, "mime", &JsValue::from_str(&image.mime));
    set(&o, "bytes", &Uint8Array::from(image.bytes.as_slice()).into());
    o.into()
}

fn image_from_js(v: &JsValue) -> Result<StoredImage> {
    let mime = get(v, "mime").as_string().ok_or_else(|| Error::storage("a stored image has no mime type"))?;
    let bytes = get(v, "bytes").dyn_into::<Uint8Array>().map_err(|_| Error::storage("a stored image has no bytes"))?.to_vec();
    Ok(StoredImage { mime, bytes })
}

// ---- errors ----

fn storage_error(what: &str, e: idb::Error) -> Error {
    Error::storage(format!("{what}: {e}"))
}

fn tx_error(e: idb::Error) -> Error {
    storage_error("reading the gallery", e)
}

fn open_error(e: idb::Error) -> Error {
    let text = e.to_string();
    if text.contains("VersionError") {
        return Error::new(
            ErrorCode::StorageVersion,
            format!("the gallery database was written by a newer Likeness (schema above {GALLERY_SCHEMA_VERSION}); update the app"),
        );
    }
    Error::storage(format!("opening the gallery database: {text}"))
}

fn write_error(e: idb::Error) -> Error {
    let text = e.to_string();
    if text.contains("QuotaExceeded") {
        return quota_exceeded();
    }
    Error::storage(format!("writing the gallery: {text}; nothing was written"))
}

fn quota_exceeded() -> Error {
    Error::new(
        ErrorCode::StorageQuotaExceeded,
        "the browser's storage quota for this site is full; nothing was written (free space or delete faces)",
    )
}
