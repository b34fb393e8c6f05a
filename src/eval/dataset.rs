//! The labelled folder tree (identity = folder name, image files inside) and the LFW
//! `pairs.txt` protocol file.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// File name endings read as images (case-insensitive); anything else in a folder is ignored.
pub const IMAGE_EXTENSIONS: [&str; 8] = ["jpg", "jpeg", "png", "webp", "bmp", "gif", "tif", "tiff"];

/// One image of the tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageEntry {
    /// Index into [`Dataset::identities`].
    pub identity: usize,
    /// `<identity>/<file>` with `/` separators: the cache key and what reports print.
    pub rel_path: String,
    /// The file name without its extension (`Aaron_Eckhart_0001`): what pairs lines resolve to.
    pub stem: String,
    pub path: PathBuf,
    /// File size and modification time (ns since the epoch, 0 when unknown): a changed file
    /// is embedded again even when the cache holds its path.
    pub size: u64,
    pub mtime_ns: u64,
}

/// A labelled folder tree: every sub-folder that holds at least one image is an identity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dataset {
    pub root: PathBuf,
    /// Identity names (folder names), sorted.
    pub identities: Vec<String>,
    /// Every image, sorted by identity then file name.
    pub images: Vec<ImageEntry>,
}

fn is_image(name: &str) -> bool {
    name.rsplit_once('.')
        .is_some_and(|(_, ext)| IMAGE_EXTENSIONS.iter().any(|e| e.eq_ignore_ascii_case(ext)))
}

impl Dataset {
    /// Scans `root`: one level of identity folders, image files directly inside them. Hidden
    /// entries (`.name`) and files at the top level (such as `pairs.txt`) are ignored.
    ///
    /// A missing or unreadable folder, or one with no identity folder holding an image, is an
    /// `INVALID_ARGUMENT` error.
    pub fn scan(root: &Path) -> Result<Dataset> {
        Dataset::scan_filtered(root, |_| true)
    }

    /// [`Dataset::scan`] keeping only the identities for which `keep(name)` is true.
    pub fn scan_filtered(root: &Path, keep: impl Fn(&str) -> bool) -> Result<Dataset> {
        if !root.is_dir() {
            return Err(Error::invalid_argument(format!("dataset folder {} does not exist", root.display())));
        }
        let read = |dir: &Path| {
            std::fs::read_dir(dir).map_err(|e| Error::invalid_argument(format!("cannot read {}: {e}", dir.display())))
        };
        let mut folders: Vec<(String, PathBuf)> = Vec::new();
        for entry in read(root)? {
            let entry = entry.map_err(|e| Error::invalid_argument(format!("cannot read {}: {e}", root.display())))?;
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.starts_with('.') || !entry.path().is_dir() || !keep(&name) {
                continue;
            }
            folders.push((name, entry.path()));
        }
        folders.sort();
        let mut identities = Vec::new();
        let mut images = Vec::new();
        for (name, dir) in folders {
            let mut files: Vec<(String, PathBuf)> = Vec::new();
            for entry in read(&dir)? {
                let entry = entry.map_err(|e| Error::invalid_argument(format!("cannot read {}: {e}", dir.display())))?;
                let file = entry.file_name().to_string_lossy().into_owned();
                if !file.starts_with('.') && is_image(&file) && entry.path().is_file() {
                    files.push((file, entry.path()));
                }
            }
            if files.is_empty() {
                continue;
            }
            files.sort();
            let identity = identities.len();
            identities.push(name.clone());
            for (file, path) in files {
                let meta = std::fs::metadata(&path).ok();
                let mtime_ns = meta
                    .as_ref()
                    .and_then(|m| m.modified().ok())
                    .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                    .map_or(0, |d| d.as_nanos() as u64);
                let stem = file.rsplit_once('.').map_or(file.as_str(), |(s, _)| s).to_string();
                images.push(ImageEntry {
                    identity,
                    rel_path: format!("{name}/{file}"),
                    stem,
                    path,
                    size: meta.map_or(0, |m| m.len()),
                    mtime_ns,
                });
            }
        }
        if images.is_empty() {
            return Err(Error::invalid_argument(format!(
                "dataset folder {} has no identity folder with images in it",
                root.display()
            )));
        }
        Ok(Dataset { root: root.to_path_buf(), identities, images })
    }

    /// `(identity name, file stem)` → index into [`Dataset::images`].
    pub fn index_by_stem(&self) -> HashMap<(&str, &str), usize> {
        self.images
            .iter()
            .enumerate()
            .map(|(i, img)| ((self.identities[img.identity].as_str(), img.stem.as_str()), i))
            .collect()
    }

    /// The first `cap` images (in file-name order) of every identity, as indices into
    /// [`Dataset::images`]. The cap is applied to the files, before enrolment, so the pair
    /// set does not depend on the model; images that fail to enrol are then left out.
    pub fn capped(&self, cap: usize) -> Vec<usize> {
        let mut out = Vec::new();
        let mut taken = 0;
        let mut current = usize::MAX;
        for (i, img) in self.images.iter().enumerate() {
            if img.identity != current {
                current = img.identity;
                taken = 0;
            }
            if taken < cap {
                out.push(i);
                taken += 1;
            }
        }
        out
    }
}

/// One line of `pairs.txt`: two images by identity name and 1-based image number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PairLine {
    /// 1-based line number in the file.
    pub line: usize,
    pub a: (String, u32),
    pub b: (String, u32),
    /// `name i j` (same person) rather than `name1 i name2 j`.
    pub genuine: bool,
}

impl PairLine {
    /// LFW's file naming: `Name_0004` for image 4 of `Name`.
    pub fn stems(&self) -> [(&str, String); 2] {
        [
            (self.a.0.as_str(), format!("{}_{:04}", self.a.0, self.a.1)),
            (self.b.0.as_str(), format!("{}_{:04}", self.b.0, self.b.1)),
        ]
    }
}

/// Parses an LFW pairs file: a header line, then `name i j` (same person) and
/// `name1 i name2 j` (different people) lines, fields separated by tabs or spaces.
///
/// The header is either one number `N` (N same-person and N different-person lines: the
/// reordered file in `../shared/datasets/lfw`) or the official `folds pairs-per-fold`
/// (folds × pairs of each kind). Blank lines are skipped. Any other line, an image number that
/// is not a positive integer, or counts that disagree with the header is an
/// `INVALID_ARGUMENT` error naming the line.
///
/// ```
/// let pairs = likeness::eval::dataset::parse_pairs("1\nA 1 2\nA 1 B 1\n")?;
/// assert!(pairs[0].genuine && !pairs[1].genuine);
/// let err = likeness::eval::dataset::parse_pairs("1\nA 1 2\nA one B 1\n").unwrap_err();
/// assert!(err.message.contains("line 3"));
/// # Ok::<(), likeness::Error>(())
/// ```
pub fn parse_pairs(text: &str) -> Result<Vec<PairLine>> {
    let bad = |line: usize, what: String| Error::invalid_argument(format!("pairs file line {line}: {what}"));
    let mut lines = text.lines().enumerate().map(|(i, l)| (i + 1, l.trim())).filter(|(_, l)| !l.is_empty());
    let (header_line, header) = lines.next().ok_or_else(|| Error::invalid_argument("pairs file is empty"))?;
    let numbers: Vec<usize> = header
        .split_whitespace()
        .map(|f| f.parse::<usize>())
        .collect::<std::result::Result<_, _>>()
        .map_err(|_| bad(header_line, format!("expected a header `N` or `FOLDS PAIRS`, got {header:?}")))?;
    let per_kind = match numbers[..] {
        [n] => n,
        [folds, per_fold] => folds * per_fold,
        _ => return Err(bad(header_line, format!("expected a header `N` or `FOLDS PAIRS`, got {header:?}"))),
    };
    let number = |line: usize, field: &str| -> Result<u32> {
        match field.parse::<u32>() {
            Ok(n) if n > 0 => Ok(n),
            _ => Err(bad(line, format!("image number must be a positive integer, got {field:?}"))),
        }
    };
    let mut out = Vec::new();
    for (line, text) in lines {
        let fields: Vec<&str> = text.split_whitespace().collect();
        let pair = match fields[..] {
            [name, i, j] => PairLine {
                line,
                a: (name.to_string(), number(line, i)?),
                b: (name.to_string(), number(line, j)?),
                genuine: true,
            },
            [name1, i, name2, j] => PairLine {
                line,
                a: (name1.to_string(), number(line, i)?),
                b: (name2.to_string(), number(line, j)?),
                genuine: false,
            },
            _ => {
                return Err(bad(
                    line,
                    format!("expected `name i j` or `name1 i name2 j`, got {} fields: {text:?}", fields.len()),
                ))
            }
        };
        out.push(pair);
    }
    let genuine = out.iter().filter(|p| p.genuine).count();
    let impostor = out.len() - genuine;
    if genuine != per_kind || impostor != per_kind {
        return Err(bad(
            header_line,
            format!("the header announces {per_kind} pairs of each kind; the file has {genuine} same-person and {impostor} different-person lines"),
        ));
    }
    Ok(out)
}
