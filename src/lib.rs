//! # Likeness — a client-side face SDK
//!
//! Detects faces, finds 68 landmarks, measures capture quality, computes 512-D embeddings and
//! compares a selfie with an ID-document photo — natively and in WebAssembly, without sending
//! an image anywhere. The specification of every stage is `docs/pipeline.md`.
//!
//! ```no_run
//! use likeness::{Likeness, AnalyzeOptions, decode::decode};
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let sdk = Likeness::from_dir("models", false)?;
//! let img = decode(&std::fs::read("photo.jpg")?, &sdk.limits)?;
//! for face in sdk.analyze(&img, &AnalyzeOptions::default())?.faces {
//!     println!("face at ({}, {}) quality {} failed {:?}", face.x1, face.y1, face.face_quality, face.quality_checks);
//! }
//! # Ok(())
//! # }
//! ```

pub mod align;
pub mod clock;
pub mod constants;
pub mod decode;
pub mod detect;
pub mod document;
pub mod embed;
pub mod error;
/// The evaluation harness (`likeness eval`, docs/eval.md); native only (files and threads).
#[cfg(not(target_arch = "wasm32"))]
pub mod eval;
pub mod face;
pub mod gallery;
/// Our wasm32 matrix-multiply kernels, registered with tract (src/kernels/mod.rs); wasm only.
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
#[doc(hidden)]
pub mod kernels;
pub mod landmarks;
pub mod liveness;
pub mod matching;
pub mod model;
pub mod pipeline;
pub mod quality;
pub mod raster;
pub mod scan;
pub mod video;
pub mod capture;
#[cfg(target_arch = "wasm32")]
pub mod wasm;
#[cfg(target_arch = "wasm32")]
pub mod wasm_capture;
#[cfg(target_arch = "wasm32")]
pub mod wasm_document;

pub use error::{Error, ErrorCode, Result};
pub use face::{Analysis, Face};
pub use matching::{similarity, Threshold};
pub use pipeline::{AnalyzeOptions, Likeness, Models};
pub use scan::{CompareOptions, ScanRecord};
pub use video::{FrameMethod, VideoFrame, VideoOptions, VideoTracker};
