//! Every number the pipeline depends on, in one place, each with where it comes from.
//!
//! Model-facing constants (input sizes, normalisation, channel order, output classes) are also
//! recorded in `models/manifest.json`; `tests/manifest.rs` checks the two agree. The spec these
//! implement is `docs/pipeline.md`; measurements behind the chosen values are in
//! `docs/measurements.md`.

/// Channel order fed to a model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChannelOrder {
    Rgb,
    Bgr,
}

// ---- detection (fr_detect: UltraFace RFB-320, vendor package faceplugin-face-recognition-js) ----
/// Detector input width x height (model input [1,3,240,320]).
pub const DETECT_WIDTH: usize = 320;
pub const DETECT_HEIGHT: usize = 240;
/// `(p - 127) / 128`: UltraFace's training normalisation (vendor fr_detect.js).
pub const DETECT_MEAN: f32 = 127.0;
pub const DETECT_SCALE: f32 = 1.0 / 128.0;
/// Default minimum face probability; vendor value, confirmed on our photos (measurements.md §c).
pub const DEFAULT_DET_PROB_THRESHOLD: f32 = 0.65;
/// Greedy NMS suppresses a box whose IoU with a kept, higher-scoring box exceeds this
/// (UltraFace's reference post-processing uses 0.3).
pub const NMS_IOU_THRESHOLD: f32 = 0.3;
/// NMS also drops a box whose intersection covers more than this share of the smaller box: on
/// tight crops the detector fires on an eye inside the face (2 of the 40 BBT crops,
/// measurements.md §c).
pub const NMS_CONTAINMENT_THRESHOLD: f32 = 0.5;
/// Padding ratio per side for the tight-crop retry (docs/pipeline.md §2.4).
pub const TIGHT_CROP_PAD: f32 = 0.5;

// ---- landmarks (fr_landmark: 68 iBUG points from a 64x64 gray crop) ----
pub const LANDMARK_SIZE: usize = 64;
/// Vendor fr_landmark.js divides gray by 256 (sic); we keep the model's training scale.
pub const LANDMARK_SCALE: f32 = 1.0 / 256.0;
pub const LANDMARK_COUNT: usize = 68;

// ---- alignment and embedding (fr_feature: MobileFaceNet-like, 112x112) ----
pub const ALIGNED_SIZE: usize = 112;
/// The standard ArcFace 112x112 five-point template (insightface `arcface_dst`), in the order
/// of `landmark_5`: eye on the image's left, other eye, nose tip, mouth corners left, right.
pub const ARCFACE_TEMPLATE: [[f32; 2]; 5] = [
    [38.2946, 51.6963],
    [73.5318, 51.5014],
    [56.0252, 71.7366],
    [41.5493, 92.3655],
    [70.7299, 92.2041],
];
/// ArcFace training normalisation `(p - 127.5) / 128`.
pub const EMBED_MEAN: f32 = 127.5;
pub const EMBED_SCALE: f32 = 1.0 / 128.0;
/// Channel order fed to fr_feature: B,G,R separates same/different people better on colour
/// photos (shared notes §8, re-measured in measurements.md §d).
pub const EMBED_CHANNEL_ORDER: ChannelOrder = ChannelOrder::Bgr;
pub const EMBEDDING_LEN: usize = 512;

// ---- eyes (fr_eye: 24x24 gray open/closed classifier) ----
pub const EYE_SIZE: usize = 24;
pub const EYE_SCALE: f32 = 1.0 / 255.0;
/// Side of the eye square relative to the eye's corner-to-corner width (vendor fr_eye.js).
pub const EYE_CROP_RATIO: f32 = 1.6;
/// Output class whose softmax probability means "closed" (measurements.md §e).
pub const EYE_CLOSED_CLASS: usize = 0;

// ---- liveness (fr_liveness: passive anti-spoofing, 128x128 raw RGB) ----
pub const LIVENESS_SIZE: usize = 128;
/// The crop is the detection box scaled by this around its centre (vendor fr_liveness.js).
pub const LIVENESS_BOX_SCALE: f32 = 2.7;
/// Output class whose softmax probability means "live" (vendor fr_liveness.js reports class 0;
/// measurements.md §f).
pub const LIVENESS_LIVE_CLASS: usize = 0;

// ---- mouth ----
/// `mouth_opened = clamp((gap / width - OFFSET) / RANGE, 0, 1)` (docs/pipeline.md §6, chosen on
/// the expression photos: neutral 0.12, surprised 1.0). The offset is not near 0 because the
/// landmark model leaves a gap of r ≈ 0.2 between the inner-lip points of closed full lips.
pub const MOUTH_OPEN_OFFSET: f32 = 0.18;
pub const MOUTH_OPEN_RANGE: f32 = 0.17;

// ---- head pose from landmarks ----
/// Generic 6-point head model (learnopencv "Head Pose Estimation using OpenCV and Dlib", widely
/// used with dlib's 68 points), converted to x right, y down, z away from the camera.
/// (landmark index, [x, y, z]).
pub const MEAN_FACE_3D: [(usize, [f32; 3]); 6] = [
    (30, [0.0, 0.0, 0.0]),
    (8, [0.0, 330.0, 65.0]),
    (36, [-225.0, -170.0, 135.0]),
    (45, [225.0, -170.0, 135.0]),
    (48, [-150.0, 150.0, 125.0]),
    (54, [150.0, 150.0, 125.0]),
];

// ---- the quality frame (docs/pipeline.md §6.1) ----
/// Quality measures look at the face in its own frame: a similarity on the two eye centres
/// only (they survive a mask or a hand over the mouth, which moves the mouth corners and would
/// move a 5-point frame), mapping them onto the ArcFace template's eyes, 112 wide and 128 tall
/// so that the chin is inside.
pub const QUALITY_WIDTH: usize = 112;
pub const QUALITY_HEIGHT: usize = 128;
/// The mean face outline (jaw 0..16, then brows 26..17) in the quality frame: the mean of the
/// landmarks of 29 near-frontal faces (our fixtures and the BBT photos) and of their mirror
/// images, so it is symmetric (`tests/reference/measure.py outline` →
/// `tests/reference/face_outline.json`, which the reference reads). A fixed outline, not the face's own jaw points: under a mask or a hand the
/// landmark model pulls the jaw inward and the region would shrink with the occluder.
pub const FACE_OUTLINE: [[f32; 2]; 27] = [
    [17.09, 50.45], [17.44, 61.03], [18.68, 71.54], [20.45, 81.97], [23.86, 91.84], [29.64, 100.57],
    [37.03, 107.98], [45.68, 113.97], [55.91, 115.68], [66.15, 113.97], [74.80, 107.98], [82.19, 100.57],
    [87.97, 91.84], [91.38, 81.97], [93.14, 71.54], [94.39, 61.03], [94.74, 50.45], [88.68, 44.47],
    [83.88, 39.65], [76.63, 38.35], [69.24, 39.54], [62.32, 42.58], [49.50, 42.58], [42.59, 39.54],
    [35.20, 38.35], [27.95, 39.65], [23.15, 44.47],
];

// ---- occlusion (docs/pipeline.md §6.2) ----
pub const OCCLUSION_PATCH: usize = 9;
pub const OCCLUSION_CHROMA_TOLERANCE: f32 = 16.0;
pub const OCCLUSION_LUMA_RATIO_MIN: f32 = 0.35;
pub const OCCLUSION_LUMA_RATIO_MAX: f32 = 1.8;
pub const OCCLUSION_EYE_GROWTH: f32 = 1.4;
pub const OCCLUSION_BROW_THICKNESS: f32 = 4.0;
pub const OCCLUSION_FEATURE_LUMA_TOLERANCE: f32 = 0.7;

// ---- quality checks, ICAO 9303-inspired (docs/pipeline.md §6.4) ----
/// ICAO asks 90 px between the eyes for print; 40 px is the least that embeds reliably here.
pub const MIN_EYE_DIST: f32 = 40.0;
pub const MIN_LUMINANCE: f32 = 70.0;
pub const MAX_LUMINANCE: f32 = 200.0;
pub const MIN_SHARPNESS: f32 = 40.0;
pub const MAX_EYE_CLOSED: f32 = 0.5;
pub const MAX_MOUTH_OPENED: f32 = 0.5;
pub const MAX_ABS_YAW: f32 = 20.0;
pub const MAX_ABS_PITCH: f32 = 20.0;
pub const MAX_ABS_ROLL: f32 = 15.0;
pub const MAX_OCCLUSION: f32 = 0.35;

// ---- matching presets (cosine similarity), calibrated on the BBT set (measurements.md §j) ----
/// BBT: 0 of 700 impostor pairs, 2 of 80 genuine pairs rejected.
pub const THRESHOLD_STRICT: f32 = 0.45;
/// BBT: 0 of 700 false accepts, 0 of 80 false rejects; above every honest colour impostor pair.
pub const THRESHOLD_MEDIUM: f32 = 0.36;
/// BBT: 0 of 700, 0 of 80; just above the worst BBT impostor (0.25).
pub const THRESHOLD_LOW: f32 = 0.28;
const _: () = assert!(THRESHOLD_STRICT > THRESHOLD_MEDIUM && THRESHOLD_MEDIUM > THRESHOLD_LOW);

// ---- input limits (checked before allocating) ----
pub const DEFAULT_MAX_ENCODED_BYTES: usize = 32 * 1024 * 1024;
pub const DEFAULT_MAX_WIDTH: u32 = 8192;
pub const DEFAULT_MAX_HEIGHT: u32 = 8192;
pub const DEFAULT_MAX_PIXELS: u64 = 40_000_000;

// ---- face gallery (src/gallery, docs/gallery.md) ----
/// Longest subject name, in characters (CompreFace stores subject names in a VARCHAR(255)).
pub const SUBJECT_MAX_CHARS: usize = 255;
/// `listFaces` page size when none is given (seed 001: "Default value is 20").
pub const DEFAULT_PAGE_SIZE: usize = 20;
/// Largest `listFaces` page: a page is one response object; 1000 keeps it well under a megabyte.
pub const MAX_PAGE_SIZE: usize = 1000;
/// `recognize` subjects per face when none is given (seed 001 `prediction_count`: default 1).
pub const DEFAULT_PREDICTION_COUNT: usize = 1;
/// `search` results when none is given, and the most it returns (seed 003 `topN`: 1, max 10).
pub const DEFAULT_SEARCH_TOP_N: usize = 1;
pub const MAX_SEARCH_TOP_N: usize = 10;
/// The `format` and `version` of `export()` backups; `import()` reads this version.
pub const BACKUP_FORMAT: &str = "likeness-gallery";
pub const BACKUP_VERSION: u32 = 1;
/// IndexedDB schema of the browser gallery (history and migrations: src/gallery/idb.rs).
pub const GALLERY_SCHEMA_VERSION: u32 = 2;
/// How long a schema upgrade may wait on `blocked` before `STORAGE_BLOCKED`: connections that
/// close on `versionchange` still count as open until their running transactions finish, which
/// takes milliseconds; a tab that does not let go within this is really blocking.
pub const GALLERY_BLOCKED_GRACE_MS: i32 = 2000;

// ---- the video path (src/video.rs) ----
/// A detection shorter than this share of the main face's box is not a second person in front
/// of the camera (issue 9: a 17x30 px false detection beside a 230 px face, ratio 0.13); two
/// people side by side at a camera measure 0.6–1.0 of each other.
pub const SECONDARY_FACE_MIN_RATIO: f32 = 0.4;
/// Tracking is lost (the detector runs) when the landmarks' spread changes by more than this
/// factor between two frames, or their centre moves more than `TRACK_MAX_SHIFT` spreads: more
/// than a face moves in 1/15 s, and what the landmark model does when the face left its crop.
pub const TRACK_MAX_SCALE_CHANGE: f32 = 1.25;
pub const TRACK_MAX_SHIFT: f32 = 0.5;
