//! The face gallery natively: CompreFace's operations and answers, typed errors, the file
//! store's crash safety, backups, and recognition of real photos (BBT when present).

mod common;

use likeness::gallery::store::{FileStore, MemoryStore, Store};
use likeness::gallery::{Backup, Gallery, GalleryOptions, ProbeOptions};
use likeness::{ErrorCode, Threshold};

fn unit(seed: u32) -> Vec<f32> {
    // splitmix64 values in [-1, 1): random directions in 512-D are nearly orthogonal (|cos| ≲ 0.15).
    let mut x = u64::from(seed).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    let v: Vec<f32> = (0..512)
        .map(|_| {
            x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = x;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            ((z ^ (z >> 31)) >> 40) as f32 / (1u64 << 23) as f32 - 1.0
        })
        .collect();
    let n = v.iter().map(|x| x * x).sum::<f32>().sqrt();
    v.into_iter().map(|x| x / n).collect()
}

fn memory() -> Gallery<MemoryStore> {
    Gallery::open(MemoryStore::default(), GalleryOptions::default()).expect("empty gallery opens")
}

fn code<T: std::fmt::Debug>(r: likeness::Result<T>) -> ErrorCode {
    r.expect_err("must fail").code
}

fn photo(name: &str) -> Vec<u8> {
    let path = common::root().join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn subjects_are_made_by_their_first_face_and_vanish_with_their_last() {
    let mut g = memory();
    let a = g.add_embedding("alice", &unit(1)).expect("add");
    assert_eq!(a.subject, "alice");
    assert_eq!(a.image_id.len(), 36, "a UUID");
    let b = g.add_embedding("alice", &unit(2)).expect("add");
    assert_eq!(g.list_subjects(), ["alice"]);
    assert_eq!(g.delete_face(&a.image_id).expect("delete").subject, "alice");
    assert_eq!(g.list_subjects(), ["alice"], "one face left");
    g.delete_face(&b.image_id).expect("delete");
    assert!(g.list_subjects().is_empty(), "the last face took the subject with it");
    assert_eq!(code(g.delete_face(&b.image_id)), ErrorCode::NotFound);
}

#[test]
fn rename_onto_an_existing_subject_merges_the_faces() {
    let mut g = memory();
    g.add_embedding("al", &unit(1)).expect("add");
    g.add_embedding("al", &unit(2)).expect("add");
    g.add_embedding("alice", &unit(3)).expect("add");
    assert!(g.rename_subject("al", "alice").expect("rename"));
    assert_eq!(g.list_subjects(), ["alice"]);
    assert_eq!(g.list_faces(0, 20, Some("alice")).expect("list").total_elements, 3);
    assert!(!g.rename_subject("alice", "alice").expect("same name"));
    assert_eq!(code(g.rename_subject("nobody", "x")), ErrorCode::NotFound);
    // The search index follows the rename: the old subject's face now answers as alice.
    let top = g.state().recognize(&unit(1), 1).expect("recognize");
    assert_eq!(top[0].subject, "alice");
}

#[test]
fn list_faces_pages_like_seed_001() {
    let mut g = memory();
    for i in 0..12 {
        g.add_embedding(if i < 5 { "bob" } else { "carol" }, &unit(i)).expect("add");
    }
    let page = g.list_faces(1, 10, None).expect("list");
    assert_eq!((page.page_number, page.page_size, page.total_pages, page.total_elements), (1, 10, 2, 12));
    assert_eq!(page.faces.len(), 2);
    let bob = g.list_faces(0, 20, Some("bob")).expect("list");
    assert_eq!(bob.total_elements, 5);
    assert!(bob.faces.iter().all(|f| f.subject == "bob"));
    assert_eq!(code(g.list_faces(0, 0, None)), ErrorCode::InvalidArgument);
    let json = serde_json::to_value(&page).expect("json");
    for key in ["faces", "page_number", "page_size", "total_pages", "total_elements"] {
        assert!(json.get(key).is_some(), "{key}");
    }
}

#[test]
fn deletes_by_list_by_subject_and_all() {
    let mut g = memory();
    let ids: Vec<String> = (0..4).map(|i| g.add_embedding("dan", &unit(i)).expect("add").image_id).collect();
    g.add_embedding("eve", &unit(9)).expect("add");
    g.add_subject("frank").expect("subject without faces");
    let asked = vec![ids[0].clone(), "no-such-id".to_string(), ids[1].clone(), ids[0].clone()];
    let deleted = g.delete_faces(&asked).expect("delete many");
    assert_eq!(deleted.len(), 2, "unknown and repeated ids are ignored");
    assert_eq!(g.delete_faces_of_subject("dan").expect("delete"), 2);
    assert_eq!(g.list_subjects(), ["eve", "frank"]);
    assert_eq!(g.delete_faces_of_subject("nobody").expect("nothing"), 0);
    assert_eq!(g.delete_all_subjects().expect("all"), 2);
    assert_eq!(g.list_faces(0, 20, None).expect("list").total_elements, 0);
    assert_eq!(code(g.delete_subject("eve")), ErrorCode::NotFound);
}

#[test]
fn bad_values_are_typed_errors_and_change_nothing() {
    let mut g = memory();
    g.add_embedding("ok", &unit(1)).expect("add");
    let mut nan = unit(2);
    nan[7] = f32::NAN;
    assert_eq!(code(g.add_embedding("x", &nan)), ErrorCode::InvalidArgument);
    assert_eq!(code(g.add_embedding("x", &unit(2)[..100])), ErrorCode::InvalidArgument);
    assert_eq!(code(g.add_embedding("x", &[0.0; 512])), ErrorCode::InvalidArgument);
    assert_eq!(code(g.add_embedding("", &unit(2))), ErrorCode::InvalidArgument);
    assert_eq!(code(g.state().search(&unit(1), 11, Threshold::Medium)), ErrorCode::InvalidArgument);
    assert_eq!(code(g.state().recognize(&unit(1), 0)), ErrorCode::InvalidArgument);
    assert_eq!(code(g.state().verify(&unit(1), "missing")), ErrorCode::NotFound);
    assert_eq!(g.list_subjects(), ["ok"]);
    assert_eq!(g.state().face_count(), 1);
}

#[test]
fn search_returns_faces_above_the_threshold_best_first() {
    let mut g = memory();
    let target = g.add_embedding("gina", &unit(5)).expect("add");
    for i in 10..40 {
        g.add_embedding("crowd", &unit(i)).expect("add");
    }
    let hits = g.state().search(&unit(5), 10, Threshold::Medium).expect("search");
    assert_eq!(hits.len(), 1, "only the same face passes medium: {hits:?}");
    assert_eq!(hits[0].image_id, target.image_id);
    let loose = g.state().search(&unit(5), 10, Threshold::Value(-1.0)).expect("search");
    assert_eq!(loose.len(), 10);
    assert!(loose.windows(2).all(|w| w[0].similarity >= w[1].similarity));
}

#[test]
fn a_file_gallery_reopens_with_everything_and_survives_a_torn_write() {
    let dir = tempdir("file");
    let path = dir.join("faces.gallery");
    let ids: Vec<String> = {
        let mut g = Gallery::open(FileStore::open(&path).expect("open"), GalleryOptions::default()).expect("gallery");
        (0..3).map(|i| g.add_embedding("hal", &unit(i)).expect("add").image_id).collect()
    };
    // A crash in the middle of the next commit leaves half a line.
    let mut bytes = std::fs::read(&path).expect("read");
    let whole = bytes.len();
    bytes.extend_from_slice(br#"{"generation":4,"put_subjects":["ivy"],"put_fa"#);
    std::fs::write(&path, &bytes).expect("write");

    let mut g = Gallery::open(FileStore::open(&path).expect("reopen"), GalleryOptions::default()).expect("gallery");
    assert_eq!(g.list_subjects(), ["hal"], "the torn commit is not there");
    assert_eq!(std::fs::metadata(&path).expect("meta").len() as usize, whole, "and is cut off");
    let page = g.list_faces(0, 20, None).expect("list");
    let mut found: Vec<String> = page.faces.into_iter().map(|f| f.image_id).collect();
    found.sort();
    let mut want = ids.clone();
    want.sort();
    assert_eq!(found, want);
    assert!(g.state().recognize(&unit(1), 1).expect("recognize")[0].similarity > 0.9999);
    g.add_embedding("ivy", &unit(7)).expect("writes go on after the repair");
    drop(g);

    // Damage in the middle is reported, not skipped.
    let text = std::fs::read_to_string(&path).expect("read");
    std::fs::write(&path, text.replacen("\"generation\":2", "\"generation\":2,]", 1)).expect("write");
    assert_eq!(FileStore::open(&path).map(|_| ()).expect_err("damaged").code, ErrorCode::StorageFailed);
}

/// Two galleries on one store, like two tabs on one IndexedDB database.
#[derive(Clone, Default)]
struct Shared(std::rc::Rc<std::cell::RefCell<MemoryStore>>);

impl Store for Shared {
    fn load(&mut self) -> likeness::Result<likeness::gallery::Snapshot> {
        self.0.borrow_mut().load()
    }
    fn commit(&mut self, change: &likeness::gallery::ChangeSet, expected: u64) -> likeness::Result<bool> {
        self.0.borrow_mut().commit(change, expected)
    }
    fn image(&mut self, id: &str) -> likeness::Result<Option<likeness::gallery::StoredImage>> {
        self.0.borrow_mut().image(id)
    }
}

#[test]
fn a_writer_with_a_stale_view_reloads_and_plans_again() {
    let store = Shared::default();
    let mut tab1 = Gallery::open(store.clone(), GalleryOptions::default()).expect("open");
    let mut tab2 = Gallery::open(store.clone(), GalleryOptions::default()).expect("open");
    let first = tab1.add_embedding("jo", &unit(1)).expect("add");
    // tab2 has not seen jo's face; its write is planned on generation 0, refused, re-planned.
    tab2.add_embedding("jo", &unit(2)).expect("add after reload");
    assert_eq!(tab2.list_faces(0, 20, Some("jo")).expect("list").total_elements, 2);
    // tab1 is stale now: deleting its face still works, and tab2's face is kept.
    tab1.delete_face(&first.image_id).expect("delete");
    assert_eq!(tab1.list_subjects(), ["jo"], "jo keeps tab2's face");
    let fresh = Gallery::open(store, GalleryOptions::default()).expect("open");
    assert_eq!(fresh.list_faces(0, 20, None).expect("list").total_elements, 1);
}

#[test]
fn export_then_import_reproduces_the_gallery() {
    let mut g = Gallery::open(MemoryStore::default(), GalleryOptions { save_images: true }).expect("open");
    g.add_embedding("kim", &unit(1)).expect("add");
    g.add_embedding("lee", &unit(2)).expect("add");
    g.add_subject("max").expect("subject");
    let backup = g.export().expect("export");
    let text = serde_json::to_string(&backup).expect("json");
    assert!(text.starts_with(r#"{"format":"likeness-gallery","version":1"#), "{}", &text[..60]);

    let mut other = memory();
    assert_eq!(other.import(Backup::from_json(&text).expect("parse")).expect("import"), (3, 2));
    assert_eq!(other.list_subjects(), ["kim", "lee", "max"]);
    assert_eq!(other.list_faces(0, 20, None).expect("list"), g.list_faces(0, 20, None).expect("list"));
    assert_eq!(other.state().recognize(&unit(2), 1).expect("recognize")[0].subject, "lee");

    let mut broken = Backup::from_json(&text).expect("parse");
    broken.faces[1].face.embedding[3] = f32::INFINITY;
    assert_eq!(code(memory().import(broken)), ErrorCode::InvalidArgument);
    let mut empty = memory();
    let mut newer = Backup::from_json(&text).expect("parse");
    newer.version = 2;
    assert_eq!(code(empty.import(newer)), ErrorCode::InvalidArgument);
    assert!(empty.list_subjects().is_empty(), "nothing of a rejected backup is imported");
    assert_eq!(code(Backup::from_json("{\"format\":1}")), ErrorCode::InvalidArgument);
}

#[test]
fn photos_enrol_recognize_verify_and_search() {
    let sdk = common::sdk();
    let mut g = Gallery::open(MemoryStore::default(), GalleryOptions { save_images: true }).expect("open");
    let obama = g.add_face(sdk, "obama", &photo("tests/fixtures/images/obama.jpg"), None).expect("add");
    g.add_face(sdk, "biden", &photo("tests/fixtures/images/biden.jpg"), None).expect("add");
    assert_eq!(g.face_image(&obama.image_id).expect("saved").mime, "image/jpeg");

    let probe = photo("tests/fixtures/images/obama2.jpg");
    let found = g.recognize(sdk, &probe, &ProbeOptions { prediction_count: 2, ..Default::default() }).expect("recognize");
    assert_eq!(found.result.len(), 1);
    let subjects = &found.result[0].subjects;
    assert_eq!((subjects[0].subject.as_str(), subjects.len()), ("obama", 2));
    assert!(subjects[0].similarity >= Threshold::Medium.value() && subjects[1].similarity < Threshold::Low.value());
    assert!(found.result[0].face.embedding.is_none(), "embeddings only when asked");

    let verified = g.verify(sdk, &probe, &obama.image_id, &Default::default()).expect("verify");
    assert!((verified.result[0].similarity - subjects[0].similarity).abs() < 1e-6);
    let search = g.search(sdk, &probe, 10, Threshold::Medium, Default::default()).expect("search");
    assert_eq!(search.result.iter().map(|h| h.image_id.as_str()).collect::<Vec<_>>(), [obama.image_id.as_str()]);

    let two = photo("tests/fixtures/golden/two_faces.png");
    assert_eq!(code(g.add_face(sdk, "pair", &two, None)), ErrorCode::MultipleFaces);
    assert_eq!(code(g.add_face(sdk, "nobody", &photo("tests/fixtures/golden/no_face.png"), None)), ErrorCode::NoFace);
    assert_eq!(code(g.add_face(sdk, "junk", b"not an image", None)), ErrorCode::UnsupportedFormat);
    assert_eq!(code(g.verify(sdk, &probe, "missing", &Default::default())), ErrorCode::NotFound);
    assert_eq!(g.list_subjects(), ["biden", "obama"], "failed adds left nothing behind");
    let json = serde_json::to_value(&found).expect("json");
    assert!(json["result"][0].get("landmark_68").is_some() && json["result"][0].get("subjects").is_some());
}

#[test]
fn every_bbt_photo_is_recognized_with_one_enrolled_photo_per_person() {
    let Some(data) = common::datasets() else { return };
    let sdk = common::sdk();
    let crops = common::bbt_crops(&data);
    let mut g = memory();
    let enrolled: Vec<&(String, std::path::PathBuf)> = crops.iter().filter(|(_, p)| p.to_string_lossy().ends_with("1.png")).collect();
    assert_eq!(enrolled.len(), 8);
    for (who, path) in &enrolled {
        g.add_face(sdk, who, &std::fs::read(path).expect("read"), None).expect("enrol");
    }
    let mut wrong = Vec::new();
    for (who, path) in crops.iter().filter(|c| !enrolled.contains(c)) {
        let found = g.recognize(sdk, &std::fs::read(path).expect("read"), &ProbeOptions { detect: likeness::detect::DetectOptions { limit: Some(1), ..Default::default() }, ..Default::default() }).expect("recognize");
        let best = found.result.first().and_then(|f| f.subjects.first()).map(|s| s.subject.clone());
        if best.as_deref() != Some(who.as_str()) {
            wrong.push(format!("{} → {best:?}", path.display()));
        }
    }
    assert!(wrong.is_empty(), "misrecognised: {wrong:?}");
}

fn tempdir(tag: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("likeness-gallery-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}
