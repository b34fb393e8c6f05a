//! The printed portrait's own quality: specular glare (a lamp's reflection on the laminate) and
//! whether it is printed in grey or in colour. Sharpness is the SDK's face measure.
//!
//! Glare must not be confused with a white background or a white shirt: a specular pixel is
//! near-saturated, nearly colourless, AND clearly brighter than its neighbourhood's median — a
//! white background is bright but no brighter than the rest of the background around it.

use crate::constants::*;
use crate::raster::RgbImage;

use super::Print;

/// A box x1, y1, x2, y2 clipped to the image, as integer pixel bounds (`None` when empty).
fn clip(img: &RgbImage, b: [f32; 4]) -> Option<[usize; 4]> {
    if !b.iter().all(|v| v.is_finite()) {
        return None;
    }
    let (w, h) = (img.width() as f32, img.height() as f32);
    let x0 = b[0].max(0.0).min(w) as usize;
    let y0 = b[1].max(0.0).min(h) as usize;
    let x1 = b[2].max(0.0).min(w).ceil() as usize;
    let y1 = b[3].max(0.0).min(h).ceil() as usize;
    (x1 > x0 + 1 && y1 > y0 + 1).then_some([x0, y0, x1, y1])
}

fn luma_chroma(p: [u8; 3]) -> (f32, f32) {
    let (r, g, b) = (p[0] as f32, p[1] as f32, p[2] as f32);
    let l = 0.299 * r + 0.587 * g + 0.114 * b;
    let c = r.max(g).max(b) - r.min(g).min(b);
    (l, c)
}

/// The box grown by `by` of its size on every side.
pub fn grow(b: [f32; 4], by: f32) -> [f32; 4] {
    let (dw, dh) = ((b[2] - b[0]) * by, (b[3] - b[1]) * by);
    [b[0] - dw, b[1] - dh, b[2] + dw, b[3] + dh]
}

/// The portrait's glare share for a face box: counted on the inner face (the box shrunk by 10 %
/// per side), the level taken from the printed photo around it (the box grown by 30 %).
pub fn glare_share(img: &RgbImage, face_box: [f32; 4]) -> f32 {
    glare_share_in(img, grow(face_box, -0.1), grow(face_box, 0.3))
}

/// Share (0..1) of the box's pixels that are specular glare: near-saturated, nearly colourless
/// and [`GLARE_ABOVE_LOCAL`] above the portrait's level — the median luma of the not
/// near-saturated pixels of `around` (the printed photo around the face), so a spot as large
/// as the face still stands out while a white background or collar (outside the inner face
/// box that is counted) does not count.
pub fn glare_share_in(img: &RgbImage, b: [f32; 4], around: [f32; 4]) -> f32 {
    let Some([x0, y0, x1, y1]) = clip(img, b) else { return 0.0 };
    let level = clip(img, around).map_or(0.0, |[ax0, ay0, ax1, ay1]| {
        let mut lumas: Vec<f32> = Vec::new();
        for y in ay0..ay1 {
            for x in ax0..ax1 {
                if let Some(p) = img.pixel(x as i64, y as i64) {
                    let (l, _) = luma_chroma(p);
                    if l < GLARE_MIN_LUMA {
                        lumas.push(l);
                    }
                }
            }
        }
        median(&mut lumas)
    });
    let (mut n, mut specular) = (0usize, 0usize);
    for y in y0..y1 {
        for x in x0..x1 {
            let Some(p) = img.pixel(x as i64, y as i64) else { continue };
            let (l, c) = luma_chroma(p);
            n += 1;
            specular += (l >= GLARE_MIN_LUMA && c <= GLARE_MAX_CHROMA && l >= level + GLARE_ABOVE_LOCAL) as usize;
        }
    }
    if n == 0 {
        0.0
    } else {
        specular as f32 / n as f32
    }
}

/// Grey or colour from the mean chroma of the box's central part (its glare pixels left out).
pub fn print_of(img: &RgbImage, b: [f32; 4]) -> (Print, f32) {
    let inner = grow(b, -0.2);
    let Some([x0, y0, x1, y1]) = clip(img, inner) else { return (Print::Colour, 0.0) };
    let (mut sum, mut n) = (0.0f64, 0usize);
    for y in y0..y1 {
        for x in x0..x1 {
            let Some(p) = img.pixel(x as i64, y as i64) else { continue };
            let (l, c) = luma_chroma(p);
            if l >= GLARE_MIN_LUMA {
                continue;
            }
            sum += c as f64;
            n += 1;
        }
    }
    let chroma = if n == 0 { 0.0 } else { (sum / n as f64) as f32 };
    (if chroma < GREY_PRINT_MAX_CHROMA { Print::Grey } else { Print::Colour }, chroma)
}

fn median(v: &mut [f32]) -> f32 {
    if v.is_empty() {
        return 0.0;
    }
    let k = v.len() / 2;
    v.select_nth_unstable_by(k, f32::total_cmp);
    v[k]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn image(w: u32, h: u32, f: impl Fn(u32, u32) -> [u8; 3]) -> RgbImage {
        RgbImage::from_raw(w, h, (0..w * h).flat_map(|i| f(i % w, i / w)).collect()).unwrap()
    }

    /// A face-like patch: skin tone with darker texture, on a white background at the top.
    fn portrait(x: u32, y: u32) -> [u8; 3] {
        if y < 30 {
            [245, 245, 242]
        } else {
            let t = ((x * 7 + y * 13) % 23) as u8;
            [170 + t, 130 + t, 110 + t]
        }
    }

    #[test]
    fn a_white_background_is_not_glare_but_a_bright_spot_is() {
        let clean = image(100, 120, portrait);
        assert!(glare_share_in(&clean, [10.0, 35.0, 90.0, 120.0], [0.0, 0.0, 100.0, 120.0]) < 0.01, "white background read as glare");
        let spot = image(100, 120, |x, y| {
            let d = ((x as f32 - 50.0).powi(2) + (y as f32 - 70.0).powi(2)).sqrt();
            if d < 14.0 {
                [255, 255, 253]
            } else {
                portrait(x, y)
            }
        });
        // The spot (616 px) over the inner face box (80 x 85 px): 9 %.
        let g = glare_share_in(&spot, [10.0, 35.0, 90.0, 120.0], [0.0, 0.0, 100.0, 120.0]);
        assert!(g > 0.07 && g < 0.11, "spot of 9 % read as {g}");
    }

    #[test]
    fn grey_and_colour_prints_are_told_apart() {
        let colour = image(80, 100, portrait);
        assert_eq!(print_of(&colour, [0.0, 0.0, 80.0, 100.0]).0, Print::Colour);
        let grey = image(80, 100, |x, y| {
            let v = ((x * 5 + y * 3) % 90) as u8 + 80;
            [v, v, v.saturating_add(2)]
        });
        assert_eq!(print_of(&grey, [0.0, 0.0, 80.0, 100.0]).0, Print::Grey);
    }

    #[test]
    fn degenerate_boxes_measure_nothing() {
        let img = image(10, 10, |_, _| [255, 255, 255]);
        assert_eq!(glare_share_in(&img, [f32::NAN, 0.0, 5.0, 5.0], [0.0, 0.0, 5.0, 5.0]), 0.0);
        assert_eq!(glare_share_in(&img, [20.0, 20.0, 30.0, 30.0], [20.0, 20.0, 30.0, 30.0]), 0.0);
        assert_eq!(print_of(&img, [3.0, 3.0, 3.5, 3.5]).1, 0.0);
    }
}
