//! One error type for the whole SDK: a stable machine-readable code plus a human message.
//!
//! The codes are part of the public contract (CLI JSON, JS `Error.code`, docs/errors.md):
//! never rename one. Nothing in the pipeline panics on bad input; it returns one of these.

use std::fmt;

/// Stable error codes. `as_str()` is what users see and match on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    /// A caller-supplied value is out of range or of the wrong shape.
    InvalidArgument,
    /// The bytes claim a supported format but could not be decoded.
    ImageDecodeFailed,
    /// The encoded size, width, height or pixel count exceeds the configured limits.
    ImageTooLarge,
    /// The bytes are not an image format we decode.
    UnsupportedFormat,
    /// No face was found where one was required.
    NoFace,
    /// A model file is missing, does not match the manifest's sha256, or tract refused it.
    ModelInvalid,
    /// Inference failed on a valid model (should not happen; reported rather than panicking).
    Internal,
    /// An image id or subject the gallery does not hold.
    NotFound,
    /// More than one face where exactly one is required (adding a face to the gallery).
    MultipleFaces,
    /// The browser refused to store more (IndexedDB `QuotaExceededError`); nothing was written.
    StorageQuotaExceeded,
    /// Opening the gallery needs a schema upgrade that another open tab is blocking.
    StorageBlocked,
    /// The stored gallery was written by a newer Likeness (its schema version is higher).
    StorageVersion,
    /// The store failed or is unreadable (IndexedDB error, corrupt file); nothing was written.
    StorageFailed,
    /// A face is too small (or otherwise too poor) for a verdict whose error rates the SDK can
    /// vouch for; the error's `details` hold the measured values and the minimum.
    QualityTooLow,
    /// The ID document's portrait is too small (too few frame pixels between its eyes) for a
    /// verdict in document mode; `details` hold `portrait_eye_dist` and `min_eye_dist`.
    PortraitTooSmall,
    /// The ID document's portrait is too damaged for a verdict in document mode (glare over it,
    /// or too blurred); `details` hold the measured values and their limits.
    PortraitQualityTooLow,
}

impl ErrorCode {
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::InvalidArgument => "INVALID_ARGUMENT",
            ErrorCode::ImageDecodeFailed => "IMAGE_DECODE_FAILED",
            ErrorCode::ImageTooLarge => "IMAGE_TOO_LARGE",
            ErrorCode::UnsupportedFormat => "UNSUPPORTED_FORMAT",
            ErrorCode::NoFace => "NO_FACE",
            ErrorCode::ModelInvalid => "MODEL_INVALID",
            ErrorCode::Internal => "INTERNAL",
            ErrorCode::NotFound => "NOT_FOUND",
            ErrorCode::MultipleFaces => "MULTIPLE_FACES",
            ErrorCode::StorageQuotaExceeded => "STORAGE_QUOTA_EXCEEDED",
            ErrorCode::StorageBlocked => "STORAGE_BLOCKED",
            ErrorCode::StorageVersion => "STORAGE_VERSION",
            ErrorCode::StorageFailed => "STORAGE_FAILED",
            ErrorCode::QualityTooLow => "QUALITY_TOO_LOW",
            ErrorCode::PortraitTooSmall => "PORTRAIT_TOO_SMALL",
            ErrorCode::PortraitQualityTooLow => "PORTRAIT_QUALITY_TOO_LOW",
        }
    }

    /// Every code, for documentation and exhaustive tests.
    pub const ALL: [ErrorCode; 16] = [
        ErrorCode::InvalidArgument,
        ErrorCode::ImageDecodeFailed,
        ErrorCode::ImageTooLarge,
        ErrorCode::UnsupportedFormat,
        ErrorCode::NoFace,
        ErrorCode::ModelInvalid,
        ErrorCode::Internal,
        ErrorCode::NotFound,
        ErrorCode::MultipleFaces,
        ErrorCode::StorageQuotaExceeded,
        ErrorCode::StorageBlocked,
        ErrorCode::StorageVersion,
        ErrorCode::StorageFailed,
        ErrorCode::QualityTooLow,
        ErrorCode::PortraitTooSmall,
        ErrorCode::PortraitQualityTooLow,
    ];
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The SDK's error: a code to branch on, a message to show, and for some codes the measured
/// values behind it (`QUALITY_TOO_LOW`: `face1_eye_dist`, `face2_eye_dist`, `min_eye_dist`).
#[derive(Debug, Clone, PartialEq)]
pub struct Error {
    pub code: ErrorCode,
    pub message: String,
    /// Named numbers, empty for most codes (in JavaScript: the error's `details` object).
    pub details: Vec<(&'static str, f64)>,
}

impl Error {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Error { code, message: message.into(), details: Vec::new() }
    }
    pub fn with_details(mut self, details: &[(&'static str, f64)]) -> Self {
        self.details.extend_from_slice(details);
        self
    }
    pub fn invalid_argument(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::InvalidArgument, message)
    }
    pub fn no_face(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::NoFace, message)
    }
    pub fn model_invalid(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::ModelInvalid, message)
    }
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::NotFound, message)
    }
    pub fn storage(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::StorageFailed, message)
    }
    /// A tract failure while running a model that loaded fine.
    pub(crate) fn inference(model: &str, err: impl fmt::Display) -> Self {
        Self::new(ErrorCode::Internal, format!("{model}: inference failed: {err}"))
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

impl std::error::Error for Error {}

pub type Result<T> = std::result::Result<T, Error>;
