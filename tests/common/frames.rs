//! Synthetic camera frames made from committed photos: a photo scaled, moved, darkened, lit
//! from one side or with its eyes painted shut, on a grey 640x480 background. Shared by the
//! native video tests (tests/video.rs) and the fake-camera video writer
//! (examples/fake_camera.rs, which the browser capture tests feed to Chromium).
#![allow(dead_code)]

use likeness::landmarks::Point;
use likeness::raster::RgbImage;

/// How one frame shows the photo.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Shot {
    /// Photo pixels per frame pixel inverse: 1 = the photo's own size.
    pub scale: f32,
    /// Where the photo's centre lands, as a share of the frame's width and height.
    pub centre: [f32; 2],
    /// Multiplies every pixel (0.25 = a dark room).
    pub brightness: f32,
    /// A shadow over the frame's right half (0 = even light, 0.8 = the right half at 20 %),
    /// with a 24 px soft edge at the middle: light from the side.
    pub side_light: f32,
}

impl Default for Shot {
    fn default() -> Self {
        Shot { scale: 1.0, centre: [0.5, 0.5], brightness: 1.0, side_light: 0.0 }
    }
}

pub const BACKGROUND: [u8; 3] = [118, 122, 126];

/// The photo placed in a `w`x`h` frame as `shot` says (bilinear sampling).
pub fn compose(photo: &RgbImage, w: u32, h: u32, shot: &Shot) -> RgbImage {
    let (pw, ph) = (photo.width() as f32, photo.height() as f32);
    let (cx, cy) = (shot.centre[0] * w as f32, shot.centre[1] * h as f32);
    let mut data = Vec::with_capacity((w * h * 3) as usize);
    for y in 0..h {
        for x in 0..w {
            let sx = (x as f32 + 0.5 - cx) / shot.scale + pw / 2.0 - 0.5;
            let sy = (y as f32 + 0.5 - cy) / shot.scale + ph / 2.0 - 0.5;
            let px = if sx >= 0.0 && sy >= 0.0 && sx <= pw - 1.0 && sy <= ph - 1.0 { bilinear(photo, sx, sy) } else { BACKGROUND.map(f32::from) };
            let shade = ((x as f32 - w as f32 / 2.0) / 24.0 + 0.5).clamp(0.0, 1.0);
            let light = shot.brightness * (1.0 - shot.side_light * shade);
            data.extend(px.map(|v| (v * light).round().clamp(0.0, 255.0) as u8));
        }
    }
    RgbImage::from_raw(w, h, data).expect("w*h*3 bytes")
}

fn bilinear(img: &RgbImage, x: f32, y: f32) -> [f32; 3] {
    let (x0, y0) = (x.floor() as i64, y.floor() as i64);
    let (fx, fy) = (x - x0 as f32, y - y0 as f32);
    let p = |xx: i64, yy: i64| img.pixel(xx, yy).or_else(|| img.pixel(x0, y0)).unwrap_or(BACKGROUND);
    let (a, b, c, d) = (p(x0, y0), p(x0 + 1, y0), p(x0, y0 + 1), p(x0 + 1, y0 + 1));
    std::array::from_fn(|i| {
        let top = a[i] as f32 * (1.0 - fx) + b[i] as f32 * fx;
        let bottom = c[i] as f32 * (1.0 - fx) + d[i] as f32 * fx;
        top * (1.0 - fy) + bottom * fy
    })
}

/// The photo with both eyes painted shut: each eye's landmarks' box filled with the skin just
/// below it, and a dark lash line across the middle.
pub fn eyes_shut(photo: &RgbImage, landmarks: &[Point]) -> RgbImage {
    let (w, h) = (photo.width(), photo.height());
    let mut data = photo.as_raw().to_vec();
    for eye in [36..42, 42..48] {
        let pts = &landmarks[eye];
        let (x0, x1) = (pts.iter().map(|p| p.x).fold(f32::MAX, f32::min), pts.iter().map(|p| p.x).fold(f32::MIN, f32::max));
        let (y0, y1) = (pts.iter().map(|p| p.y).fold(f32::MAX, f32::min), pts.iter().map(|p| p.y).fold(f32::MIN, f32::max));
        let (pad_x, pad_y) = ((x1 - x0) * 0.25, (x1 - x0) * 0.3);
        let skin_y = (y1 + (x1 - x0) * 0.6).round() as i64;
        let skin = photo.pixel(((x0 + x1) / 2.0) as i64, skin_y).unwrap_or([180, 140, 120]);
        let mid = (y0 + y1) / 2.0;
        for y in (y0 - pad_y).floor() as i64..=(y1 + pad_y).ceil() as i64 {
            for x in (x0 - pad_x).floor() as i64..=(x1 + pad_x).ceil() as i64 {
                if x < 0 || y < 0 || x >= w as i64 || y >= h as i64 {
                    continue;
                }
                let lash = (y as f32 - mid).abs() < 1.2 && x as f32 > x0 && (x as f32) < x1;
                let c = if lash { [40, 30, 30] } else { skin };
                let i = ((y as u32 * w + x as u32) * 3) as usize;
                data[i..i + 3].copy_from_slice(&c);
            }
        }
    }
    RgbImage::from_raw(w, h, data).expect("same size")
}

/// A mirror image (the head turned the other way, for a turn in both directions).
pub fn mirrored(photo: &RgbImage) -> RgbImage {
    let (w, h) = (photo.width(), photo.height());
    let mut data = Vec::with_capacity((w * h * 3) as usize);
    for y in 0..h as i64 {
        for x in (0..w as i64).rev() {
            data.extend(photo.pixel(x, y).unwrap_or(BACKGROUND));
        }
    }
    RgbImage::from_raw(w, h, data).expect("same size")
}
