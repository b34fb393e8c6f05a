//! Every supported format decodes to the same pixels, EXIF orientation is applied, and every
//! bad input gets its stable error code (never a panic).

mod common;

use std::io::Cursor;

use likeness::decode::{decode, from_rgba, Limits};
use likeness::model::{Integrity, Manifest, Model, ModelKind};
use likeness::raster::RgbImage;
use likeness::{AnalyzeOptions, ErrorCode};

fn small() -> RgbImage {
    let (w, h) = (48u32, 32u32);
    let data = (0..w * h).flat_map(|i| [(i % w * 5) as u8, (i / w * 7) as u8, ((i * 13) % 251) as u8]).collect();
    RgbImage::from_raw(w, h, data).expect("size")
}

fn encode(img: &RgbImage, format: image::ImageFormat) -> Vec<u8> {
    let buf = image::RgbImage::from_raw(img.width(), img.height(), img.as_raw().to_vec()).expect("size");
    let mut out = Cursor::new(Vec::new());
    buf.write_to(&mut out, format).unwrap_or_else(|e| panic!("encode {format:?}: {e}"));
    out.into_inner()
}

fn code_of(bytes: &[u8], limits: &Limits) -> ErrorCode {
    decode(bytes, limits).err().map(|e| e.code).unwrap_or(ErrorCode::Internal)
}

#[test]
fn lossless_formats_decode_to_identical_pixels_and_lossy_ones_closely() {
    let img = small();
    for format in [image::ImageFormat::Png, image::ImageFormat::Bmp, image::ImageFormat::Tiff, image::ImageFormat::WebP] {
        let back = decode(&encode(&img, format), &Limits::default()).expect("decode");
        assert_eq!(back, img, "{format:?}");
    }
    for format in [image::ImageFormat::Jpeg, image::ImageFormat::Gif] {
        let back = decode(&encode(&img, format), &Limits::default()).expect("decode");
        assert_eq!((back.width(), back.height()), (48, 32), "{format:?}");
        let mean_err: f64 = back.as_raw().iter().zip(img.as_raw()).map(|(a, b)| (*a as f64 - *b as f64).abs()).sum::<f64>()
            / img.as_raw().len() as f64;
        assert!(mean_err < 20.0, "{format:?}: mean error {mean_err}");
    }
}

#[test]
fn a_real_jpeg_decodes_and_its_face_is_found() {
    let img = common::load(&common::root().join("tests/fixtures/images/obama.jpg"));
    assert_eq!((img.width(), img.height()), (910, 1137));
    let analysis = common::sdk().analyze(&img, &AnalyzeOptions { embedding: false, ..Default::default() }).expect("analyze");
    assert_eq!(analysis.faces.len(), 1);
}

/// Inserts an EXIF APP1 segment with the given orientation right after the JPEG's SOI.
fn with_exif_orientation(jpeg: &[u8], orientation: u8) -> Vec<u8> {
    let tiff = [
        b'M', b'M', 0, 42, 0, 0, 0, 8, // big-endian TIFF header, IFD at 8
        0, 1, // one entry
        0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, orientation, 0, 0, // Orientation, SHORT, 1 value
        0, 0, 0, 0, // no next IFD
    ];
    let mut app1 = b"Exif\0\0".to_vec();
    app1.extend_from_slice(&tiff);
    let len = (app1.len() + 2) as u16;
    let mut out = jpeg[..2].to_vec();
    out.extend_from_slice(&[0xFF, 0xE1]);
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(&app1);
    out.extend_from_slice(&jpeg[2..]);
    out
}

#[test]
fn exif_orientation_is_applied() {
    let jpeg = encode(&small(), image::ImageFormat::Jpeg);
    let upright = decode(&with_exif_orientation(&jpeg, 1), &Limits::default()).expect("decode");
    assert_eq!((upright.width(), upright.height()), (48, 32));
    let rotated = decode(&with_exif_orientation(&jpeg, 6), &Limits::default()).expect("decode");
    assert_eq!((rotated.width(), rotated.height()), (32, 48), "orientation 6 = rotate 90° clockwise");
    // Rotating clockwise moves the top-left pixel to the top-right.
    let (a, b) = (upright.pixel(0, 0).unwrap_or_default(), rotated.pixel(31, 0).unwrap_or_default());
    assert!(a.iter().zip(b).all(|(x, y)| (*x as i32 - y as i32).abs() < 24), "{a:?} vs {b:?}");
}

#[test]
fn bad_bytes_get_their_codes() {
    let limits = Limits::default();
    assert_eq!(code_of(b"", &limits), ErrorCode::InvalidArgument);
    assert_eq!(code_of(b"hello, this is not an image at all", &limits), ErrorCode::UnsupportedFormat);
    assert_eq!(code_of(b"qoif\0\0\0\x10\0\0\0\x10\x03\0", &limits), ErrorCode::UnsupportedFormat, "QOI is not ours");
    let png = encode(&small(), image::ImageFormat::Png);
    assert_eq!(code_of(&png[..png.len() / 2], &limits), ErrorCode::ImageDecodeFailed, "truncated PNG");
    let jpeg = encode(&small(), image::ImageFormat::Jpeg);
    assert_eq!(code_of(&jpeg[..40], &limits), ErrorCode::ImageDecodeFailed, "truncated JPEG");
}

#[test]
fn oversized_images_are_refused_before_decoding() {
    let mut bmp = encode(&small(), image::ImageFormat::Bmp);
    // Claim 60000 x 60000 pixels in the BMP header: refused from the header alone.
    bmp[18..22].copy_from_slice(&60000i32.to_le_bytes());
    bmp[22..26].copy_from_slice(&60000i32.to_le_bytes());
    assert_eq!(code_of(&bmp, &Limits::default()), ErrorCode::ImageTooLarge);
    let png = encode(&small(), image::ImageFormat::Png);
    let tight = Limits { max_width: 40, ..Limits::default() };
    assert_eq!(code_of(&png, &tight), ErrorCode::ImageTooLarge);
    let few_pixels = Limits { max_pixels: 1000, ..Limits::default() };
    assert_eq!(code_of(&png, &few_pixels), ErrorCode::ImageTooLarge);
    let few_bytes = Limits { max_encoded_bytes: 100, ..Limits::default() };
    assert_eq!(code_of(&png, &few_bytes), ErrorCode::ImageTooLarge);
}

#[test]
fn raw_rgba_is_taken_as_is_and_checked() {
    let rgba: Vec<u8> = (0..2 * 2).flat_map(|i| [i as u8, 10, 20, 255]).collect();
    let img = from_rgba(2, 2, &rgba, &Limits::default()).expect("rgba");
    assert_eq!(img.pixel(1, 1), Some([3, 10, 20]));
    assert_eq!(from_rgba(2, 2, &rgba[..15], &Limits::default()).map_err(|e| e.code), Err(ErrorCode::InvalidArgument));
    assert_eq!(from_rgba(0, 2, &[], &Limits::default()).map_err(|e| e.code), Err(ErrorCode::InvalidArgument));
    let tiny = Limits { max_pixels: 3, ..Limits::default() };
    assert_eq!(from_rgba(2, 2, &rgba, &tiny).map_err(|e| e.code), Err(ErrorCode::ImageTooLarge));
}

#[test]
fn model_bytes_that_do_not_match_the_manifest_are_refused() {
    let manifest = Manifest::bundled().expect("manifest");
    let path = common::root().join("models/fr_eye.onnx");
    let good = std::fs::read(path).expect("model");
    assert!(Model::load(&manifest, ModelKind::Eye, &good).is_ok());
    let mut flipped = good.clone();
    flipped[500] ^= 1;
    let err = Model::load(&manifest, ModelKind::Eye, &flipped).expect_err("sha mismatch");
    assert_eq!(err.code, ErrorCode::ModelInvalid);
    assert!(err.message.contains("sha256"), "{}", err.message);
    let err = Model::load(&manifest, ModelKind::Eye, &good[..good.len() - 1]).expect_err("size mismatch");
    assert_eq!(err.code, ErrorCode::ModelInvalid);
    let err = Model::load(&manifest, ModelKind::Detect, &good).expect_err("wrong model");
    assert_eq!(err.code, ErrorCode::ModelInvalid);
    // SizeOnly (the caller compared the sha256 itself) still refuses a wrong size.
    assert!(Model::load_checked(&manifest, ModelKind::Eye, &good, Integrity::SizeOnly).is_ok());
    let err = Model::load_checked(&manifest, ModelKind::Eye, &good[..good.len() - 1], Integrity::SizeOnly).expect_err("size");
    assert_eq!(err.code, ErrorCode::ModelInvalid);
}

#[test]
fn a_face_free_image_has_no_faces_and_compare_says_no_face() {
    let blank = common::fixture("no_face.png");
    let analysis = common::sdk().analyze(&blank, &AnalyzeOptions::default()).expect("analyze");
    assert!(analysis.faces.is_empty());
    let err = common::sdk().compare(&common::fixture("obama2.png"), &blank, &Default::default()).expect_err("no face");
    assert_eq!(err.code, ErrorCode::NoFace);
    let tiny = RgbImage::from_raw(1, 1, vec![0, 0, 0]).expect("1x1");
    assert!(common::sdk().analyze(&tiny, &AnalyzeOptions::default()).is_ok_and(|a| a.faces.is_empty()));
}

#[test]
fn invalid_options_are_invalid_argument() {
    let img = common::fixture("obama2.png");
    let mut opts = AnalyzeOptions::default();
    opts.detect.det_prob_threshold = -0.1;
    assert_eq!(common::sdk().analyze(&img, &opts).map_err(|e| e.code).err(), Some(ErrorCode::InvalidArgument));
    let no_liveness = likeness::Likeness::from_dir(common::root().join("models"), false).expect("load");
    let opts = AnalyzeOptions { liveness: true, ..Default::default() };
    assert_eq!(no_liveness.analyze(&img, &opts).map_err(|e| e.code).err(), Some(ErrorCode::InvalidArgument));
}

#[test]
fn every_error_code_is_documented_and_known_to_the_js_package() {
    let docs = std::fs::read_to_string(common::root().join("docs/errors.md")).expect("docs/errors.md");
    let js = std::fs::read_to_string(common::root().join("js/index.js")).expect("js/index.js");
    let dts = std::fs::read_to_string(common::root().join("js/index.d.ts")).expect("js/index.d.ts");
    for code in likeness::ErrorCode::ALL {
        let code = code.as_str();
        assert!(docs.contains(&format!("| `{code}` |")), "docs/errors.md has no row for {code}");
        assert!(js.contains(&format!("'{code}',")), "js/index.js ERROR_CODES lacks {code}");
        assert!(dts.contains(&format!("| '{code}'")), "js/index.d.ts LikenessErrorCode lacks {code}");
    }
}
