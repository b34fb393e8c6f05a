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

// ---- matching presets: each is defined by its false-accept rate (docs/accuracy.md) ----
// The thresholds were chosen on half A of LFW's identities (all-vs-all, 10 images per identity,
// 13.5 M impostor pairs) as the lowest cosine whose FAR is within the preset's nominal FAR, and
// checked on the held-out half B (14.0 M impostor pairs): `likeness eval --calibrate-split`,
// bench/eval/report.md. `strict` is bank-grade (1 in 100,000), `medium` FIDO's biometric
// component requirement (FMR ≤ 1:10,000), `low` a convenience unlock (1 in 1,000).
/// Nominal FAR of `strict`; held-out half B: 8.2e-6, FRR 5.8 %.
pub const NOMINAL_FAR_STRICT: f64 = 1e-5;
pub const THRESHOLD_STRICT: f32 = 0.4804;
/// Nominal FAR of `medium` (the default); held-out half B: 9.9e-5, FRR 3.0 %.
pub const NOMINAL_FAR_MEDIUM: f64 = 1e-4;
pub const THRESHOLD_MEDIUM: f32 = 0.4117;
/// Nominal FAR of `low`; held-out half B: 1.01e-3, FRR 1.5 %.
pub const NOMINAL_FAR_LOW: f64 = 1e-3;
pub const THRESHOLD_LOW: f32 = 0.3351;

// ---- quality-aware decisions (src/matching.rs `decide`, docs/accuracy.md) ----
/// Small faces look alike: impostor similarities rise when a face is small, so the same cosine
/// means a higher FAR. A preset's threshold is raised by `quality_offset(d1) +
/// quality_offset(d2)`, one term per face of inter-eye distance d (px), read off this table by
/// linear interpolation (constant beyond its ends). Measured with `likeness eval --variant
/// colour,downscale:170,downscale:125,downscale:94,downscale:62 --calibrate-split` (LFW, half A
/// of the identities): pairs of one small face and one full-size face need about 0.020 at
/// 9 px, 0.010 at 11 px, 0.006 at 13–16 px, 0.004 at 18 px and nothing from 30 px to hold
/// 1e-3 and 1e-4; two faces of 8–12 px (LFW downscaled to 62 px, pairs within it) need 0.049.
/// The small end is set above what one small face needs (0.025 at 9 px, 0.016 at 11, 0.008 at
/// 14): pairs of one small face come out below nominal; pairs of two small faces still measure
/// 1.3–1.5x nominal on held-out half B (bench/eval/quality/downscale62; docs/accuracy.md says so).
pub const QUALITY_OFFSETS: [(f32, f32); 6] = [(9.0, 0.025), (11.0, 0.016), (14.0, 0.008), (18.0, 0.004), (22.0, 0.0015), (30.0, 0.0)];
/// Below this inter-eye distance (px, either face) `compare()` refuses with `QUALITY_TOO_LOW`.
/// The FRR decides it: with both faces of 8–10 px, `medium` rejects 24.5 % of genuine pairs on
/// held-out LFW and `strict` 39.6 % (bench/eval/quality/downscale62); under 8 px a verdict is
/// mostly a rejection.
pub const COMPARE_MIN_EYE_DIST: f32 = 8.0;
const _: () = assert!(THRESHOLD_STRICT > THRESHOLD_MEDIUM && THRESHOLD_MEDIUM > THRESHOLD_LOW);
/// (FAR, FRR) of strict, medium and low on held-out half B of LFW (colour, full size; the
/// figures above): what the scan record quotes as `compare_measured_far` / `_frr`.
pub const MEASURED_SELFIE: [(f64, f64); 3] = [(8.22e-6, 0.0581), (9.91e-5, 0.0296), (1.01e-3, 0.0153)];

// ---- ID documents (src/document, docs/document.md) ----
// Document-mode matching (src/matching.rs `decide_document`, docs/document.md). Measured with
// `cargo run --release --example document_calibrate -- ../shared/datasets/lfw`: 3,180 LFW
// photos printed into generated cards (tests/common/cards.rs) and photographed, against 10,489
// LFW selfies, the card given by its true corners (`analyze_document_at`: the matching apart
// from the finding); identities split by `eval::half_of`, thresholds chosen on half A's decided
// pairs (1,489 genuine / 4.90 M impostor), checked on held-out half B (bench/document/report.md).
/// The lowest cosine with FAR ≤ 1e-5 on half A's decided document pairs (portraits of 16 px
/// and more; the selfie preset is 0.4804: printed portraits score slightly lower against
/// impostors, not higher, so the document presets sit a little lower and reject fewer).
pub const DOCUMENT_THRESHOLD_STRICT: f32 = 0.4677;
/// FAR ≤ 1e-4 on half A.
pub const DOCUMENT_THRESHOLD_MEDIUM: f32 = 0.4009;
/// FAR ≤ 1e-3 on half A.
pub const DOCUMENT_THRESHOLD_LOW: f32 = 0.3264;
/// (FAR, FRR) of the document presets on held-out half B, every refusal below applied: what the
/// scan record quotes in document mode.
/// Half B: 1,399 genuine and 5,036,585 impostor pairs decided (2026-12-04).
pub const MEASURED_DOCUMENT: [(f64, f64); 3] = [(1.03e-5, 0.1730), (9.89e-5, 0.0994), (9.54e-4, 0.0415)];
/// `PORTRAIT_TOO_SMALL` below this many frame px between the portrait's eyes: the smallest size
/// at which FNMR at FMR 1e-3 (`low`) stays within twice that of large portraits (half B: 6.6 %
/// at 16–20 px against 6.3 % at 40+; 18.6 % at 14–16, 37.7 % at 12–14). FAR holds in every band.
pub const DOCUMENT_MIN_EYE_DIST: f32 = 16.0;
/// `PORTRAIT_QUALITY_TOO_LOW` above this share of the portrait under glare (half B, portraits
/// of 16 px and more, `medium` FRR: 10.7 % under 0.02, 8.6 % to 0.05, 14.3 % to 0.1, 31.1 % from
/// 0.1 to 0.2, 50.4 % beyond).
pub const DOCUMENT_MAX_PORTRAIT_GLARE: f32 = 0.1;
/// `PORTRAIT_QUALITY_TOO_LOW` below this portrait sharpness (the face's `sharpness`; half B,
/// `medium` FRR: 56 % at 2–5 (25 pairs), 26 % at 5–10, 7–12 % from 20 up).
pub const DOCUMENT_MIN_PORTRAIT_SHARPNESS: f32 = 5.0;

// Document analysis and live capture (src/document, helper "core"; docs/document.md).
/// ISO/IEC 7810 ID-1 (85.6 x 54 mm) and ID-3 (125 x 88 mm) width over height.
pub const ID1_ASPECT: f32 = 85.6 / 54.0;
pub const ID3_ASPECT: f32 = 125.0 / 88.0;
/// The card is searched on a grey copy of this long side (px): a card of 1/8 of the frame is
/// still 80 px wide there, and the search costs the same at every camera size.
pub const CARD_SEARCH_LONG_SIDE: usize = 640;
/// Rectified card width bounds (px): the quad's longest side, never upscaled past what the
/// detector needs (400: a far card's portrait is then ~80 px tall) nor kept beyond 1600.
pub const RECTIFIED_MIN_WIDTH: u32 = 400;
pub const RECTIFIED_MAX_WIDTH: u32 = 1600;
/// Least card-finding score (mean edge support of the 4 sides x aspect agreement) accepted as a
/// card; chosen on the generator's shots (docs/document.md: no false card on card-less frames).
pub const CARD_MIN_SCORE: f32 = 0.45;
// The learned card finder (models/card_finder.onnx, training/document; docs/document.md).
/// Its input square (px) and map stride (px per cell): the manifest's input and output shapes.
pub const CARD_FINDER_SIDE: usize = 256;
pub const CARD_FINDER_CELL: f32 = 4.0;
/// "A document is in this frame": the presence score at least this (chosen on the training
/// scenes, docs/document.md; the held-out scenes report its rates).
pub const CARD_FINDER_MIN_PRESENCE: f32 = 0.5;
/// The mask's component is a document only from this many cells (a far card of 8 % of a 16:9
/// frame is ~5x3 cells).
pub const CARD_FINDER_MIN_CELLS: usize = 6;
/// A card whose quad is under this share of the frame's long side is looked at again on a
/// crop of `CARD_FINDER_CROP` times its size around it (more model pixels on it).
pub const CARD_FINDER_SECOND_LOOK: f32 = 0.4;
pub const CARD_FINDER_CROP: f32 = 2.5;
/// FIT_DOCUMENT_IN_FRAME: a corner within this share of the frame's size from its edge.
pub const DOCUMENT_EDGE_MARGIN: f32 = 0.02;
/// DOCUMENT_TILTED: a corner angle this far from 90° (deg), or opposite sides' length ratio
/// above the next constant (a card held ~20° off parallel to the sensor).
pub const DOCUMENT_MAX_CORNER_DEVIATION: f32 = 15.0;
pub const DOCUMENT_MAX_SIDE_RATIO: f32 = 1.2;
/// MOVE_CLOSER below this portrait inter-eye distance in frame px: the quality offsets of
/// matching (QUALITY_OFFSETS) are 0 from 30 px, where a document face compares at full strength.
pub const DOCUMENT_CAPTURE_EYE_DIST: f32 = 30.0;
/// Portrait inter-eye distance per card width (both in frame px) when the portrait is not
/// found, to say MOVE_CLOSER with a value: ICAO portraits are about 0.1 card widths between the eyes.
pub const PORTRAIT_EYE_DIST_PER_CARD_WIDTH: f32 = 0.1;
/// HOLD_STILL: corners travelled more than this share of the card width across the smoothing window.
pub const DOCUMENT_MAX_MOTION: f32 = 0.02;
/// Specular glare (src/document/quality.rs, issue 21): a pixel of the inner face box whose luma
/// is at least GLARE_MIN_LUMA and GLARE_ABOVE_WHITE above the print's white (the
/// GLARE_WHITE_PERCENTILE of the luma around the face, its GLARE_SATURATED pixels left out) —
/// or, when the print's white is clipped, GLARE_ABOVE_FACE above the face's own — whose chroma
/// (max - min of RGB) is at most GLARE_MAX_CHROMA, and GLARE_MIN_NEIGHBOURS of whose 8
/// neighbours pass too. The values were chosen on examples/document_glare.rs's tuning cards
/// (`--offset 62 --seed 2`), measured on the others (bench/document/glare.md).
/// GLARE_ON_PORTRAIT above GLARE_MAX_SHARE of the portrait box (the generator marks a shot when
/// a spot covers 5 % of the box).
/// Near-saturated: what no print under a dim or normal exposure reaches (print whites are
/// 222-242); a spot's rim over skin stays counted down to it.
pub const GLARE_MIN_LUMA: f32 = 235.0;
/// Colourless: glare whitens all three channels (over colour skin, chroma < 15 at luma 245).
pub const GLARE_MAX_CHROMA: f32 = 40.0;
/// Above the print's white by this much: its percentile already sits in the upper noise of a
/// white background or card, 8 more clears that noise (sigma <= 6, JPEG) and leaves room below
/// 255 for a spot on prints whose white is up to 247.
pub const GLARE_ABOVE_WHITE: f32 = 8.0;
/// Above the face's own level (the same percentile over the face) when the print's white is
/// clipped: the tuning cards' clean overexposed high-key faces with clipped skin read 246-249
/// there, so their level stays above 255; glare on a mid-tone face (<= 235) still shows.
pub const GLARE_ABOVE_FACE: f32 = 20.0;
/// The print's white: a white background and the card around the photo fill well over 10 % of
/// the box around the face; a spot spilling past the face into it up to 10 % does not raise it.
pub const GLARE_WHITE_PERCENTILE: f32 = 0.9;
/// Saturated: a spot's core (the generator's aims at 262: 255 after clipping, >= 250 under its
/// noise and JPEG). These pixels of the face are left out of the white.
pub const GLARE_SATURATED: f32 = 250.0;
/// Saturated over more than half of the face: overexposed, not a spot (the tuning cards' clean
/// high-key faces at light >= 1.2: 59-80 % saturated).
pub const GLARE_CLIPPED_SHARE: f32 = 0.5;
/// A blob, not a speck or a line: most of the 8 neighbours (a pixel on a blob's straight edge
/// has 5, on a 1 px line 2).
pub const GLARE_MIN_NEIGHBOURS: usize = 5;
pub const GLARE_MAX_SHARE: f32 = 0.03;
/// A portrait whose mean chroma (max - min of RGB over the face box) is below this is a grey print.
pub const GREY_PRINT_MAX_CHROMA: f32 = 12.0;
/// TOO_BLURRY below this portrait sharpness (Face.sharpness of the rectified portrait).
pub const DOCUMENT_CAPTURE_MIN_SHARPNESS: f32 = 20.0;

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
