//! The printed portrait's own quality: specular glare (a lamp's reflection on the laminate) and
//! whether it is printed in grey or in colour. Sharpness is the SDK's face measure.
//!
//! Glare is what a print cannot be: light brighter than the print's own white. A white
//! background, a white collar, the pale skin of a high-key photo are bright, even colourless,
//! but no brighter than the print's white, which the photo shows around the face (issue 21: a
//! measure against the median of the portrait took those for glare). So a pixel of the face is
//! specular when it is near-saturated, nearly colourless, [`GLARE_ABOVE_WHITE`] above the
//! print's white — a high percentile of the luma around the face, the face's saturated pixels
//! left out so that a spot as large as the face does not raise it — and part of a blob: most of
//! its 8 neighbours pass too, so thin highlights on skin, hair or glasses and the noise of a
//! white print do not count.
//!
//! When the print's white is clipped in the photo (an overexposed shot, or a white card), there
//! is no room above it: a spot must then stand [`GLARE_ABOVE_FACE`] above the face's own bright
//! level instead, which glare on a mid-tone face does and the pale or clipped skin of an
//! overexposed bright print does not. A print saturated over most of the face is overexposed,
//! not under a spot. In both cases glare cannot be told from the print, and none is reported.
//!
//! It runs per frame in live capture: a pass or two over the boxes (a 256-bin histogram on the
//! stack, three rows of the counted box's width), nothing allocated in proportion to the image.

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
/// per side), the print's white taken from the printed photo around it (the box grown by 30 %).
pub fn glare_share(img: &RgbImage, face_box: [f32; 4]) -> f32 {
    glare_share_in(img, grow(face_box, -0.1), grow(face_box, 0.3))
}

/// Share (0..1) of the box's pixels that are specular glare, the print's white read over
/// `around`: luma at least [`GLARE_MIN_LUMA`] and [`GLARE_ABOVE_WHITE`] above the
/// [`GLARE_WHITE_PERCENTILE`] of `around`'s luma (the box's saturated colourless pixels left
/// out), or, when that leaves no room below 255, [`GLARE_ABOVE_FACE`] above the same percentile
/// of the box's own luma; chroma at most [`GLARE_MAX_CHROMA`]; at least
/// [`GLARE_MIN_NEIGHBOURS`] of its 8 neighbours passing too. When `around` adds nothing around
/// `b`, the central half of `b` is counted and the rest is the print around it. 0 for an empty
/// box, and when more than [`GLARE_CLIPPED_SHARE`] of the region a level is read on is
/// saturated inside the counted box.
pub fn glare_share_in(img: &RgbImage, b: [f32; 4], around: [f32; 4]) -> f32 {
    let Some(mut counted) = clip(img, b) else { return 0.0 };
    let around = clip(img, around).unwrap_or(counted);
    let [x0, y0, x1, y1] = counted;
    if around[0] >= x0 && around[1] >= y0 && around[2] <= x1 && around[3] <= y1 {
        // Nothing around the box (the no-face path's whole portrait area): its central half is
        // where the face and the spot are, its rim the print around them — which may be paper
        // or a background brighter than the photo's white, clipped or not.
        let (dx, dy) = ((x1 - x0) / 4, (y1 - y0) / 4);
        counted = [x0 + dx, y0 + dy, x1 - dx, y1 - dy];
    }
    let Some(white) = luma_percentile(img, around, counted, GLARE_WHITE_PERCENTILE) else { return 0.0 };
    let level = if white + GLARE_ABOVE_WHITE <= 255.0 {
        white + GLARE_ABOVE_WHITE
    } else {
        let Some(face) = luma_percentile(img, counted, counted, GLARE_WHITE_PERCENTILE) else { return 0.0 };
        face + GLARE_ABOVE_FACE
    };
    let level = level.max(GLARE_MIN_LUMA);
    if level > 255.0 {
        return 0.0;
    }
    blob_share(img, counted, level)
}

/// The `percentile` of the luma over `region`, the saturated colourless pixels inside `spot`
/// left out. `None` when nothing is left, or when more than [`GLARE_CLIPPED_SHARE`] of `region`
/// is left out: the print is overexposed, not under a spot.
fn luma_percentile(img: &RgbImage, region: [usize; 4], spot: [usize; 4], percentile: f32) -> Option<f32> {
    let [x0, y0, x1, y1] = region;
    let [sx0, sy0, sx1, sy1] = spot;
    let mut histogram = [0u32; 256];
    let (mut n, mut saturated) = (0u64, 0u64);
    for y in y0..y1 {
        for x in x0..x1 {
            let Some(p) = img.pixel(x as i64, y as i64) else { continue };
            let (l, c) = luma_chroma(p);
            if l >= GLARE_SATURATED && c <= GLARE_MAX_CHROMA && (sx0..sx1).contains(&x) && (sy0..sy1).contains(&y) {
                saturated += 1;
                continue;
            }
            histogram[(l.round() as usize).min(255)] += 1;
            n += 1;
        }
    }
    if n == 0 || saturated as f64 > GLARE_CLIPPED_SHARE as f64 * (n + saturated) as f64 {
        return None;
    }
    let rank = (percentile.clamp(0.0, 1.0) as f64 * n as f64).ceil().max(1.0) as u64;
    let mut seen = 0u64;
    for (level, &count) in histogram.iter().enumerate() {
        seen += count as u64;
        if seen >= rank {
            return Some(level as f32);
        }
    }
    Some(255.0)
}

/// Share of `counted`'s pixels at or above `level`, nearly colourless, whose 8 neighbours (in
/// the image, inside the box or not) pass at least [`GLARE_MIN_NEIGHBOURS`] times.
fn blob_share(img: &RgbImage, counted: [usize; 4], level: f32) -> f32 {
    let [x0, y0, x1, y1] = counted;
    let width = x1 - x0 + 2;
    // Rows y - 1, y, y + 1 of the pass mask over x0 - 1 ..= x1 (outside the image: no pass).
    let row = |y: i64, out: &mut [bool]| {
        for (i, v) in out.iter_mut().enumerate() {
            *v = img.pixel(x0 as i64 - 1 + i as i64, y).is_some_and(|p| {
                let (l, c) = luma_chroma(p);
                l >= level && c <= GLARE_MAX_CHROMA
            });
        }
    };
    let (mut above, mut here, mut below) = (vec![false; width], vec![false; width], vec![false; width]);
    row(y0 as i64 - 1, &mut above);
    row(y0 as i64, &mut here);
    let mut specular = 0usize;
    for y in y0..y1 {
        row(y as i64 + 1, &mut below);
        for i in 1..width - 1 {
            if !here[i] {
                continue;
            }
            let neighbours = [&above, &below].iter().map(|r| r[i - 1..=i + 1].iter().filter(|&&v| v).count()).sum::<usize>()
                + here[i - 1] as usize
                + here[i + 1] as usize;
            specular += (neighbours >= GLARE_MIN_NEIGHBOURS) as usize;
        }
        std::mem::swap(&mut above, &mut here);
        std::mem::swap(&mut here, &mut below);
    }
    specular as f32 / ((x1 - x0) * (y1 - y0)) as f32
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
        // Empty, inverted, infinite and NaN boxes, a NaN `around`, a 1x1 image: 0, no panic.
        let dark = image(40, 40, |x, y| if (10..30).contains(&x) && (10..30).contains(&y) { [255; 3] } else { [60; 3] });
        for b in [[5.0, 5.0, 5.0, 5.0], [30.0, 30.0, 10.0, 10.0], [f32::NEG_INFINITY, 0.0, f32::INFINITY, 40.0], [0.0, f32::NAN, 40.0, 40.0], [-100.0, -100.0, -50.0, -50.0]] {
            assert_eq!(glare_share_in(&dark, b, [0.0, 0.0, 40.0, 40.0]), 0.0, "box {b:?}");
            assert_eq!(glare_share(&dark, b), 0.0, "face box {b:?}");
        }
        assert!(glare_share_in(&dark, [10.0, 10.0, 30.0, 30.0], [f32::NAN; 4]).is_finite());
        let one = image(1, 1, |_, _| [255; 3]);
        assert_eq!(glare_share(&one, [0.0, 0.0, 1.0, 1.0]), 0.0);
        assert_eq!(glare_share_in(&one, [-1.0, -1.0, 2.0, 2.0], [-1.0, -1.0, 2.0, 2.0]), 0.0);
        // The counted box all glare-like and nothing else around it: no white to be above.
        assert_eq!(glare_share_in(&img, [0.0, 0.0, 10.0, 10.0], [0.0, 0.0, 10.0, 10.0]), 0.0);
    }

    /// Deterministic texture -4..=4 (a print's grain and the sensor's noise).
    fn grain(x: u32, y: u32) -> i32 {
        let h = (x.wrapping_mul(0x9e37_79b1) ^ y.wrapping_mul(0x85eb_ca77)).wrapping_mul(0xc2b2_ae35);
        (h >> 28) as i32 % 9 - 4
    }

    fn add(p: [i32; 3], d: i32) -> [u8; 3] {
        p.map(|v| (v + d).clamp(0, 255) as u8)
    }

    /// The face box of the high-key prints below (160 x 200 px images).
    const FACE: [f32; 4] = [40.0, 50.0, 120.0, 150.0];

    /// An ICAO-like high-key print as photographed: a white background (luma ~242), pale skin
    /// at luma 235-245 (colourless when `colour` is false, chroma ~24 otherwise: both pass the
    /// luma and chroma tests), dark hair, eyes, mouth and clothes, a 1 px highlight on the
    /// glasses and saturated specks on the skin.
    fn high_key(x: u32, y: u32, colour: bool) -> [u8; 3] {
        let (fx, fy) = (x as f32 - 80.0, y as f32 - 100.0);
        let head = (fx / 42.0).powi(2) + (fy / 56.0).powi(2) < 1.0;
        let g = grain(x, y);
        if y > 165 && (20..140).contains(&x) {
            return add([70, 72, 84], g);
        }
        if !head {
            return add(if colour { [244, 243, 238] } else { [242; 3] }, g);
        }
        if y < 62 {
            return add([55, 45, 40], g);
        }
        let eye = |cx: f32| ((x as f32 - cx) / 7.0).powi(2) + ((y as f32 - 92.0) / 3.0).powi(2) < 1.0;
        if eye(65.0) || eye(95.0) {
            return add([90; 3], g);
        }
        if ((x as f32 - 80.0) / 12.0).powi(2) + ((y as f32 - 128.0) / 3.0).powi(2) < 1.0 {
            return add(if colour { [200, 150, 150] } else { [170; 3] }, g);
        }
        // The glasses' highlight: a 1 px diagonal line; and a speck every 41st pixel.
        if (y == 86 && (55..75).contains(&x)) || (x + y == 180 && (85..95).contains(&y)) || (x * 31 + y * 17) % 41 == 0 {
            return [255; 3];
        }
        // Pale skin, shading over 235..=245.
        let v = 235 + ((x * 3 + y * 5) % 11) as i32;
        if colour {
            add([v + 10, v - 2, v - 14], g / 2)
        } else {
            add([v; 3], g / 2)
        }
    }

    /// The share of `b` (exclusive bounds) inside the ellipse `spot` (centre, semi-axes).
    fn share_in(b: [f32; 4], spot: ([f32; 2], [f32; 2])) -> f32 {
        let [x0, y0, x1, y1] = b.map(|v| v as u32);
        let inside = (y0..y1).flat_map(|y| (x0..x1).map(move |x| (x, y))).filter(|&(x, y)| in_spot(x, y, spot)).count();
        inside as f32 / ((x1 - x0) * (y1 - y0)) as f32
    }

    fn in_spot(x: u32, y: u32, (c, r): ([f32; 2], [f32; 2])) -> bool {
        ((x as f32 - c[0]) / r[0]).powi(2) + ((y as f32 - c[1]) / r[1]).powi(2) < 1.0
    }

    /// A saturated, colourless spot on the print.
    fn with_spot(colour: bool, spot: ([f32; 2], [f32; 2])) -> RgbImage {
        image(160, 200, |x, y| if in_spot(x, y, spot) { add([258, 258, 256], grain(x, y) / 2) } else { high_key(x, y, colour) })
    }

    #[test]
    fn a_bright_high_key_print_is_not_glare() {
        for colour in [false, true] {
            let img = image(160, 200, |x, y| high_key(x, y, colour));
            let g = glare_share(&img, FACE);
            assert!(g < 0.01, "clean high-key print (colour {colour}) read as {g}");
            // The same with the portrait's whole printed photo as the box (no face found).
            let area = glare_share_in(&img, [0.0, 0.0, 160.0, 200.0], [0.0, 0.0, 160.0, 200.0]);
            assert!(area < 0.01, "clean high-key print area (colour {colour}) read as {area}");
        }
    }

    #[test]
    fn a_specular_spot_on_a_high_key_print_is_measured() {
        let inner = grow(FACE, -0.1);
        for colour in [false, true] {
            // 8 % of the inner face box (64 x 80 px): an ellipse of 410 px on the cheek.
            let spot = ([92.0, 112.0], [13.0, 10.0]);
            let truth = share_in(inner, spot);
            assert!((0.07..0.09).contains(&truth), "test spot {truth}");
            let g = glare_share(&with_spot(colour, spot), FACE);
            assert!((g - truth).abs() < 0.02, "spot of {truth} (colour {colour}) read as {g}");
            // A spot over 30 % of the face box does not raise the print's white: still counted.
            let big = ([80.0, 105.0], [25.0, 30.5]);
            let covered = share_in(FACE, big);
            assert!((0.28..0.32).contains(&covered), "test spot {covered}");
            let g = glare_share(&with_spot(colour, big), FACE);
            assert!(g >= 0.2, "spot over 30 % of the face (colour {colour}) read as {g}");
        }
    }

    #[test]
    fn a_spot_on_a_mid_tone_face_shows_when_the_white_is_clipped() {
        // An overexposed photo of a natural print: the white background clipped at 255 (no room
        // above the print's white), the skin mid-tone; the spot stands far above the face.
        let print = |x: u32, y: u32| {
            let p = high_key(x, y, true);
            let head = ((x as f32 - 80.0) / 42.0).powi(2) + ((y as f32 - 100.0) / 56.0).powi(2) < 1.0;
            match (head, p[0] > 200) {
                (false, true) => [255; 3],
                (true, true) => add([180, 140, 120], ((x * 3 + y * 5) % 21) as i32 + grain(x, y)),
                _ => p,
            }
        };
        let clean = image(160, 200, print);
        assert!(glare_share(&clean, FACE) < 0.01, "clean natural print read as {}", glare_share(&clean, FACE));
        let spot = ([92.0, 112.0], [13.0, 10.0]);
        let truth = share_in(grow(FACE, -0.1), spot);
        let img = image(160, 200, |x, y| if in_spot(x, y, spot) { [255; 3] } else { print(x, y) });
        let g = glare_share(&img, FACE);
        assert!((g - truth).abs() < 0.02, "spot of {truth} read as {g}");
    }

    #[test]
    fn a_print_clipped_everywhere_tells_no_glare() {
        // Overexposed: the background and the skin both saturate; a spot there cannot be told.
        let img = image(160, 200, |x, y| {
            let p = high_key(x, y, false);
            if p[0] > 200 {
                [255; 3]
            } else {
                p
            }
        });
        assert_eq!(glare_share(&img, FACE), 0.0);
    }
}
