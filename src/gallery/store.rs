//! Native stores for [`Gallery`](super::Gallery): in memory (tests, throw-away galleries) and
//! an append-only file (the CLI, servers, tests of crash safety). The browser's store is
//! IndexedDB (`src/gallery/idb.rs`), which follows the same contract.

use std::collections::{BTreeSet, HashMap};
use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use super::records::{FaceRecord, StoredImage};
use super::state::{ChangeSet, Snapshot};
use crate::error::{Error, Result};

/// Where a gallery lives. `commit` writes a whole change set or nothing.
pub trait Store {
    /// Everything stored but the images.
    fn load(&mut self) -> Result<Snapshot>;
    /// Writes `change` in one transaction if the stored generation is still `expected`;
    /// `Ok(false)` when another writer got there first (the caller reloads and plans again).
    fn commit(&mut self, change: &ChangeSet, expected: u64) -> Result<bool>;
    /// The saved photo of a face, if any.
    fn image(&mut self, image_id: &str) -> Result<Option<StoredImage>>;
}

/// The stored tables, and how a change set updates them (the same order as
/// [`GalleryState::apply`](super::state::GalleryState::apply)).
#[derive(Debug, Default, Clone)]
pub struct Tables {
    generation: u64,
    subjects: BTreeSet<String>,
    faces: HashMap<String, FaceRecord>,
    images: HashMap<String, StoredImage>,
}

impl Tables {
    fn apply(&mut self, change: &ChangeSet) {
        if change.clear {
            *self = Tables::default();
        }
        for id in &change.delete_faces {
            self.faces.remove(id);
            self.images.remove(id);
        }
        for s in &change.delete_subjects {
            self.subjects.remove(s);
        }
        self.subjects.extend(change.put_subjects.iter().cloned());
        for f in &change.put_faces {
            self.faces.insert(f.image_id.clone(), f.clone());
        }
        for (id, image) in &change.put_images {
            self.images.insert(id.clone(), image.clone());
        }
        self.generation = change.generation;
    }

    fn snapshot(&self) -> Snapshot {
        Snapshot {
            generation: self.generation,
            subjects: self.subjects.iter().cloned().collect(),
            faces: self.faces.values().cloned().collect(),
        }
    }
}

/// A gallery that lives as long as the value.
#[derive(Debug, Default, Clone)]
pub struct MemoryStore {
    tables: Tables,
}

impl Store for MemoryStore {
    fn load(&mut self) -> Result<Snapshot> {
        Ok(self.tables.snapshot())
    }

    fn commit(&mut self, change: &ChangeSet, expected: u64) -> Result<bool> {
        if self.tables.generation != expected {
            return Ok(false);
        }
        self.tables.apply(change);
        Ok(true)
    }

    fn image(&mut self, image_id: &str) -> Result<Option<StoredImage>> {
        Ok(self.tables.images.get(image_id).cloned())
    }
}

/// A gallery in one file: a log of committed change sets, one JSON line each, fsync'ed before
/// `commit` returns. A crash mid-write leaves a torn last line, which `open` drops (that commit
/// never returned); a damaged line anywhere else is `STORAGE_FAILED`. One process at a time.
#[derive(Debug)]
pub struct FileStore {
    path: PathBuf,
    file: File,
    tables: Tables,
}

impl FileStore {
    /// Opens (or creates) the gallery file at `path` and replays it.
    pub fn open(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref().to_path_buf();
        let failed = |e: std::io::Error| Error::storage(format!("{}: {e}", path.display()));
        let mut file = OpenOptions::new().read(true).append(true).create(true).open(&path).map_err(failed)?;
        let (tables, good_len) = replay(&path, &file)?;
        if good_len < file.metadata().map_err(failed)?.len() {
            // The torn tail of a commit that never returned: cut it so the next line starts clean.
            file.set_len(good_len).map_err(failed)?;
        }
        file.seek(SeekFrom::End(0)).map_err(failed)?;
        Ok(FileStore { path, file, tables })
    }
}

/// Reads every line; returns the tables and the length of the file up to the last good line.
fn replay(path: &Path, file: &File) -> Result<(Tables, u64)> {
    let damaged = |what: String| Error::storage(format!("{}: {what}", path.display()));
    let mut reader = BufReader::new(file);
    let mut tables = Tables::default();
    let (mut good_len, mut line) = (0u64, String::new());
    loop {
        line.clear();
        let n = reader.read_line(&mut line).map_err(|e| damaged(e.to_string()))?;
        if n == 0 {
            return Ok((tables, good_len));
        }
        if !line.ends_with('\n') {
            return Ok((tables, good_len)); // torn last line
        }
        let change: ChangeSet =
            serde_json::from_str(&line).map_err(|e| damaged(format!("line after byte {good_len} is damaged: {e}")))?;
        tables.apply(&change);
        good_len += n as u64;
    }
}

impl Store for FileStore {
    fn load(&mut self) -> Result<Snapshot> {
        Ok(self.tables.snapshot())
    }

    fn commit(&mut self, change: &ChangeSet, expected: u64) -> Result<bool> {
        if self.tables.generation != expected {
            return Ok(false);
        }
        let failed = |e: std::io::Error| Error::storage(format!("{}: {e}", self.path.display()));
        let mut line = serde_json::to_string(change).map_err(|e| Error::storage(e.to_string()))?;
        line.push('\n');
        let before = self.file.metadata().map_err(failed)?.len();
        if let Err(e) = self.file.write_all(line.as_bytes()).and_then(|_| self.file.sync_data()) {
            // Disk full or the like: cut the partial line so later commits stay readable.
            let _ = self.file.set_len(before);
            return Err(failed(e));
        }
        self.tables.apply(change);
        Ok(true)
    }

    fn image(&mut self, image_id: &str) -> Result<Option<StoredImage>> {
        Ok(self.tables.images.get(image_id).cloned())
    }
}
