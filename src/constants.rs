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
/// the expression photos: neutral ≈ 0, a wide-open mouth ≈ 1).
pub const MOUTH_OPEN_OFFSET: f32 = 0.05;
pub const MOUTH_OPEN_RANGE: f32 = 0.30;

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
/// landmarks of our frontal (|yaw| < 20°) golden photos and of their mirror images (so it is
/// symmetric). A fixed outline, not the face's own jaw points: under a mask or a hand the
/// landmark model pulls the jaw inward and the region would shrink with the occluder.
pub const FACE_OUTLINE: [[f32; 2]; 27] = [
    [15.6, 52.1], [16.0, 62.8], [17.1, 73.5], [18.8, 84.0], [22.3, 93.9], [28.3, 102.4],
    [36.2, 109.3], [45.3, 114.6], [56.0, 116.0], [66.7, 114.6], [75.8, 109.3], [83.7, 102.4],
    [89.7, 93.9], [93.2, 84.0], [94.9, 73.5], [96.0, 62.8], [96.4, 52.1], [89.2, 46.1],
    [84.4, 40.5], [76.7, 38.5], [68.7, 39.0], [61.0, 41.4], [51.0, 41.4], [43.3, 39.0],
    [35.3, 38.5], [27.6, 40.5], [22.8, 46.1],
];

// ---- occlusion (docs/pipeline.md §6.2) ----
pub const OCCLUSION_PATCH: usize = 9;
pub const OCCLUSION_CHROMA_TOLERANCE: f32 = 12.0;
pub const OCCLUSION_LUMA_RATIO_MIN: f32 = 0.45;
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
pub const THRESHOLD_STRICT: f32 = 0.45;
pub const THRESHOLD_MEDIUM: f32 = 0.38;
pub const THRESHOLD_LOW: f32 = 0.30;

// ---- input limits (checked before allocating) ----
pub const DEFAULT_MAX_ENCODED_BYTES: usize = 32 * 1024 * 1024;
pub const DEFAULT_MAX_WIDTH: u32 = 8192;
pub const DEFAULT_MAX_HEIGHT: u32 = 8192;
pub const DEFAULT_MAX_PIXELS: u64 = 40_000_000;
