//! Native results against the golden JSON written by the independent onnxruntime reference
//! (`tests/reference/reference.py --write-goldens`). Tolerances are the ones promised in the
//! README: same face count, box IoU ≥ 0.99, landmarks within 0.5% of the box size, embedding
//! cosine ≥ 0.9999, and each quality measure within a stated absolute tolerance
//! (`tests/common/golden.rs`, shared with the browser test `tests/wasm_golden.rs`).

mod common;

use common::golden::{compare_faces, Golden, FIXTURES};
use likeness::AnalyzeOptions;

fn golden_files() -> Vec<std::path::PathBuf> {
    let mut files: Vec<_> = std::fs::read_dir(common::golden_dir())
        .expect("golden dir")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    files
}

#[test]
fn native_pipeline_matches_the_onnxruntime_reference() {
    let files = golden_files();
    assert!(files.len() >= 8, "expected the committed goldens, found {}", files.len());
    let opts = AnalyzeOptions { liveness: true, ..Default::default() };
    let mut problems = Vec::new();
    let mut faces_compared = 0;
    for path in files {
        let text = std::fs::read_to_string(&path).expect("golden json");
        let gold: Golden = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let img = common::fixture(&gold.image);
        assert_eq!((img.width(), img.height()), (gold.width, gold.height), "{}", gold.image);
        let ours = common::sdk().analyze(&img, &opts).expect("analyze");
        if ours.faces.len() == gold.faces.len() {
            faces_compared += ours.faces.len();
        }
        problems.extend(compare_faces(&gold, &ours.faces));
    }
    assert!(faces_compared >= 8, "too few faces compared: {faces_compared}");
    assert!(problems.is_empty(), "{} mismatches:\n{}", problems.len(), problems.join("\n"));
}

/// The browser test embeds the fixtures by name (`include_bytes!`): keep its list complete.
#[test]
fn the_browser_test_covers_every_golden_fixture() {
    let names: Vec<String> = golden_files()
        .iter()
        .filter_map(|p| p.file_stem().map(|s| s.to_string_lossy().into_owned()))
        .collect();
    assert_eq!(names, FIXTURES.to_vec(), "update FIXTURES in tests/common/golden.rs and tests/wasm_golden.rs");
}
