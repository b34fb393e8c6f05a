//! Stage 1 — decode: encoded bytes (JPEG, PNG, WebP, BMP, GIF first frame, TIFF) or raw RGBA
//! pixels into an [`RgbImage`], EXIF orientation applied.
//!
//! Limits (encoded bytes, width, height, pixels) are checked from the header *before* the pixel
//! buffer is allocated, so a hostile file cannot exhaust memory. Never panics on input.

use std::io::Cursor;

use image::{DynamicImage, ImageDecoder, ImageError, ImageFormat, ImageReader};

use crate::constants::*;
use crate::error::{Error, ErrorCode, Result};
use crate::raster::RgbImage;

/// Input size limits. The defaults accept every photo a phone takes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Limits {
    pub max_encoded_bytes: usize,
    pub max_width: u32,
    pub max_height: u32,
    pub max_pixels: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_encoded_bytes: DEFAULT_MAX_ENCODED_BYTES,
            max_width: DEFAULT_MAX_WIDTH,
            max_height: DEFAULT_MAX_HEIGHT,
            max_pixels: DEFAULT_MAX_PIXELS,
        }
    }
}

impl Limits {
    /// `IMAGE_TOO_LARGE` when `width` x `height` exceeds the limits; `INVALID_ARGUMENT` for 0.
    pub fn check_dimensions(&self, width: u32, height: u32) -> Result<()> {
        if width == 0 || height == 0 {
            return Err(Error::invalid_argument(format!("image has no pixels ({width}x{height})")));
        }
        let pixels = width as u64 * height as u64;
        if width > self.max_width || height > self.max_height || pixels > self.max_pixels {
            return Err(Error::new(
                ErrorCode::ImageTooLarge,
                format!(
                    "image is {width}x{height} ({pixels} pixels); the limit is {}x{} and {} pixels",
                    self.max_width, self.max_height, self.max_pixels
                ),
            ));
        }
        Ok(())
    }
}

/// Decodes an encoded image. The format is recognised from the bytes, not a file name.
///
/// ```
/// use likeness::decode::{decode, Limits};
/// let err = decode(b"not an image", &Limits::default()).unwrap_err();
/// assert_eq!(err.code.as_str(), "UNSUPPORTED_FORMAT");
/// ```
pub fn decode(bytes: &[u8], limits: &Limits) -> Result<RgbImage> {
    if bytes.is_empty() {
        return Err(Error::invalid_argument("image bytes are empty"));
    }
    if bytes.len() > limits.max_encoded_bytes {
        return Err(Error::new(
            ErrorCode::ImageTooLarge,
            format!("encoded image is {} bytes; the limit is {}", bytes.len(), limits.max_encoded_bytes),
        ));
    }
    let format = image::guess_format(bytes).map_err(|_| unsupported())?;
    if !SUPPORTED.contains(&format) {
        return Err(unsupported());
    }
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    let mut image_limits = image::Limits::default();
    image_limits.max_image_width = Some(limits.max_width);
    image_limits.max_image_height = Some(limits.max_height);
    // 4 bytes a pixel at 16 bits per channel RGBA is the largest buffer a decoder makes.
    image_limits.max_alloc = Some(limits.max_pixels.saturating_mul(8).saturating_add(1 << 20));
    reader.limits(image_limits);
    let mut decoder = reader.into_decoder().map_err(|e| decode_error(format, e))?;
    let (width, height) = decoder.dimensions();
    limits.check_dimensions(width, height)?;
    let orientation = decoder.orientation().ok();
    let mut img = DynamicImage::from_decoder(decoder).map_err(|e| decode_error(format, e))?;
    if let Some(orientation) = orientation {
        img.apply_orientation(orientation);
    }
    let rgb = img.into_rgb8();
    let (w, h) = rgb.dimensions();
    RgbImage::from_raw(w, h, rgb.into_raw())
        .ok_or_else(|| Error::new(ErrorCode::ImageDecodeFailed, "decoder returned no pixels"))
}

/// Wraps raw RGBA pixels (what a canvas's `getImageData` gives) without decoding.
pub fn from_rgba(width: u32, height: u32, rgba: &[u8], limits: &Limits) -> Result<RgbImage> {
    limits.check_dimensions(width, height)?;
    let expected = width as usize * height as usize * 4;
    if rgba.len() != expected {
        return Err(Error::invalid_argument(format!(
            "RGBA buffer has {} bytes; {width}x{height} needs {expected}",
            rgba.len()
        )));
    }
    let rgb = rgba.chunks_exact(4).flat_map(|p| [p[0], p[1], p[2]]).collect();
    RgbImage::from_raw(width, height, rgb)
        .ok_or_else(|| Error::invalid_argument("RGBA buffer does not match its size"))
}

const SUPPORTED: [ImageFormat; 6] = [
    ImageFormat::Jpeg,
    ImageFormat::Png,
    ImageFormat::WebP,
    ImageFormat::Bmp,
    ImageFormat::Gif,
    ImageFormat::Tiff,
];

fn unsupported() -> Error {
    Error::new(
        ErrorCode::UnsupportedFormat,
        "not a supported image format (JPEG, PNG, WebP, BMP, GIF, TIFF)",
    )
}

fn decode_error(format: ImageFormat, e: ImageError) -> Error {
    match e {
        ImageError::Limits(l) => Error::new(ErrorCode::ImageTooLarge, format!("{format:?} image exceeds limits: {l}")),
        ImageError::Unsupported(u) => Error::new(ErrorCode::UnsupportedFormat, format!("{format:?}: {u}")),
        other => Error::new(ErrorCode::ImageDecodeFailed, format!("{format:?} image could not be decoded: {other}")),
    }
}
