//! The card as a flat image: a homography from the rectified card to the frame (our own 8x8
//! solve, no dependency) and a bilinear warp through it.
//!
//! Must never invent resolution: the rectified width is the quad's longest side in frame
//! pixels, clamped to [`RECTIFIED_MIN_WIDTH`, `RECTIFIED_MAX_WIDTH`].

use crate::constants::{RECTIFIED_MAX_WIDTH, RECTIFIED_MIN_WIDTH};
use crate::error::{Error, Result};
use crate::raster::RgbImage;

use super::{CardQuad, Quad};

/// A 3x3 projective map `[x, y, w] = H · [u, v, 1]`, applied as `(x / w, y / w)`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Homography(pub [[f64; 3]; 3]);

impl Homography {
    /// The map taking `from[i]` to `to[i]` for the four point pairs; `None` when three points
    /// are (nearly) collinear or a value is not finite.
    pub fn from_points(from: &Quad, to: &Quad) -> Option<Homography> {
        // h = [h00 h01 h02 h10 h11 h12 h20 h21], h22 = 1.
        let mut a = [[0.0f64; 9]; 8];
        for i in 0..4 {
            let (u, v) = (from[i][0] as f64, from[i][1] as f64);
            let (x, y) = (to[i][0] as f64, to[i][1] as f64);
            a[2 * i] = [u, v, 1.0, 0.0, 0.0, 0.0, -u * x, -v * x, x];
            a[2 * i + 1] = [0.0, 0.0, 0.0, u, v, 1.0, -u * y, -v * y, y];
        }
        let h = solve8(a)?;
        let m = Homography([[h[0], h[1], h[2]], [h[3], h[4], h[5]], [h[6], h[7], 1.0]]);
        m.0.iter().flatten().all(|v| v.is_finite()).then_some(m)
    }

    /// The mapped point; `None` on or behind the horizon (w ≤ 0) or for non-finite results.
    pub fn apply(&self, p: [f32; 2]) -> Option<[f32; 2]> {
        let m = &self.0;
        let (u, v) = (p[0] as f64, p[1] as f64);
        let w = m[2][0] * u + m[2][1] * v + m[2][2];
        if w.abs() < 1e-12 {
            return None;
        }
        let x = (m[0][0] * u + m[0][1] * v + m[0][2]) / w;
        let y = (m[1][0] * u + m[1][1] * v + m[1][2]) / w;
        (x.is_finite() && y.is_finite()).then_some([x as f32, y as f32])
    }

    /// The inverse map (adjugate over determinant); `None` when singular.
    pub fn inverse(&self) -> Option<Homography> {
        let m = &self.0;
        let c = |r0: usize, r1: usize, c0: usize, c1: usize| m[r0][c0] * m[r1][c1] - m[r0][c1] * m[r1][c0];
        let adj = [
            [c(1, 2, 1, 2), -c(0, 2, 1, 2), c(0, 1, 1, 2)],
            [-c(1, 2, 0, 2), c(0, 2, 0, 2), -c(0, 1, 0, 2)],
            [c(1, 2, 0, 1), -c(0, 2, 0, 1), c(0, 1, 0, 1)],
        ];
        let det = m[0][0] * adj[0][0] + m[0][1] * adj[1][0] + m[0][2] * adj[2][0];
        if !det.is_finite() || det.abs() < 1e-15 {
            return None;
        }
        let mut out = [[0.0; 3]; 3];
        for (r, row) in out.iter_mut().enumerate() {
            for (k, v) in row.iter_mut().enumerate() {
                *v = adj[r][k] / det;
            }
        }
        Some(Homography(out))
    }
}

/// Gaussian elimination with partial pivoting on an 8x9 augmented matrix.
fn solve8(mut a: [[f64; 9]; 8]) -> Option<[f64; 8]> {
    let scale = a.iter().flat_map(|r| r[..8].iter()).fold(0.0f64, |m, v| m.max(v.abs()));
    if !(scale.is_finite() && scale > 0.0) {
        return None;
    }
    for col in 0..8 {
        let pivot = (col..8).max_by(|&i, &j| a[i][col].abs().total_cmp(&a[j][col].abs()))?;
        if a[pivot][col].abs() < 1e-10 * scale {
            return None;
        }
        a.swap(col, pivot);
        for row in 0..8 {
            if row != col {
                let f = a[row][col] / a[col][col];
                if f != 0.0 {
                    for k in col..9 {
                        a[row][k] -= f * a[col][k];
                    }
                }
            }
        }
    }
    let mut x = [0.0; 8];
    for (i, v) in x.iter_mut().enumerate() {
        *v = a[i][8] / a[i][i];
    }
    Some(x)
}

/// Width and height of the rectified card for a quad: the longest side in frame pixels,
/// clamped, and the height by the format's aspect.
pub fn rectified_size(quad: &CardQuad) -> (u32, u32) {
    let c = &quad.corners;
    let longest = (0..4).map(|i| dist(c[i], c[(i + 1) % 4])).fold(0.0f32, f32::max);
    let w = if longest.is_finite() { longest.round() } else { 0.0 };
    let w = (w as u32).clamp(RECTIFIED_MIN_WIDTH, RECTIFIED_MAX_WIDTH);
    let h = ((w as f32 / quad.format.aspect()).round() as u32).max(1);
    (w, h)
}

pub(crate) fn dist(a: [f32; 2], b: [f32; 2]) -> f32 {
    (a[0] - b[0]).hypot(a[1] - b[1])
}

/// The flat card: its corners TL, TR, BR, BL go to the rectified image's corners. Returns the
/// image and the homography from rectified-card pixels to frame pixels.
pub fn rectify(img: &RgbImage, quad: &CardQuad) -> Result<(RgbImage, Homography)> {
    let (w, h) = rectified_size(quad);
    let card: Quad = [[0.0, 0.0], [w as f32, 0.0], [w as f32, h as f32], [0.0, h as f32]];
    let to_frame = Homography::from_points(&card, &quad.corners)
        .ok_or_else(|| Error::invalid_argument("the card's corners do not form a quadrilateral"))?;
    let card = warp(img, &to_frame, w, h).ok_or_else(|| Error::invalid_argument("empty rectified card"))?;
    Ok((card, to_frame))
}

/// Samples `img` at `to_frame(u + 0.5, v + 0.5)` for every output pixel, bilinear, with the
/// edge pixels repeated outside the image (a card cut by the frame edge keeps a neutral rim).
/// `None` only for an empty output size.
pub fn warp(img: &RgbImage, to_frame: &Homography, out_w: u32, out_h: u32) -> Option<RgbImage> {
    let (w, h) = (img.width() as i64, img.height() as i64);
    let src = img.as_raw();
    let stride = w as usize * 3;
    let mut data = Vec::with_capacity(out_w as usize * out_h as usize * 3);
    for v in 0..out_h {
        for u in 0..out_w {
            let Some([x, y]) = to_frame.apply([u as f32 + 0.5, v as f32 + 0.5]) else {
                data.extend_from_slice(&[0, 0, 0]);
                continue;
            };
            let (x, y) = ((x - 0.5).clamp(0.0, (w - 1) as f32), (y - 0.5).clamp(0.0, (h - 1) as f32));
            let (x0, y0) = (x.floor() as i64, y.floor() as i64);
            let (fx, fy) = (x - x0 as f32, y - y0 as f32);
            let (x1, y1) = ((x0 + 1).min(w - 1), (y0 + 1).min(h - 1));
            let at = |xx: i64, yy: i64, c: usize| src[yy as usize * stride + xx as usize * 3 + c] as f32;
            for c in 0..3 {
                let top = at(x0, y0, c) * (1.0 - fx) + at(x1, y0, c) * fx;
                let bottom = at(x0, y1, c) * (1.0 - fx) + at(x1, y1, c) * fx;
                data.push((top * (1.0 - fy) + bottom * fy).round().clamp(0.0, 255.0) as u8);
            }
        }
    }
    RgbImage::from_raw(out_w, out_h, data)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::document::DocumentFormat;

    #[test]
    fn homography_maps_the_four_points_and_inverts() {
        let from: Quad = [[0.0, 0.0], [100.0, 0.0], [100.0, 63.0], [0.0, 63.0]];
        let to: Quad = [[12.0, 30.0], [140.0, 22.0], [150.0, 110.0], [5.0, 95.0]];
        let h = Homography::from_points(&from, &to).unwrap();
        for i in 0..4 {
            let p = h.apply(from[i]).unwrap();
            assert!(dist(p, to[i]) < 1e-3, "{p:?} vs {:?}", to[i]);
        }
        let inv = h.inverse().unwrap();
        let back = inv.apply(h.apply([37.0, 21.0]).unwrap()).unwrap();
        assert!(dist(back, [37.0, 21.0]) < 1e-3);
        let collinear: Quad = [[0.0, 0.0], [1.0, 1.0], [2.0, 2.0], [3.0, 3.0]];
        assert!(Homography::from_points(&from, &collinear).is_none());
        let nan: Quad = [[f32::NAN, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0]];
        assert!(Homography::from_points(&from, &nan).is_none());
    }

    #[test]
    fn rectified_width_is_the_longest_side_clamped() {
        let q = |w: f32| CardQuad {
            format: DocumentFormat::Id1,
            corners: [[0.0, 0.0], [w, 0.0], [w, w / 1.585], [0.0, w / 1.585]],
            score: 1.0,
        };
        assert_eq!(rectified_size(&q(700.0)), (700, 442));
        assert_eq!(rectified_size(&q(120.0)).0, RECTIFIED_MIN_WIDTH);
        assert_eq!(rectified_size(&q(5000.0)).0, RECTIFIED_MAX_WIDTH);
        assert_eq!(rectified_size(&q(f32::NAN)).0, RECTIFIED_MIN_WIDTH);
    }

    #[test]
    fn rectify_of_an_axis_aligned_card_is_a_crop() {
        let (w, h) = (600u32, 400u32);
        let data = (0..w * h).flat_map(|i| {
            let (x, y) = (i % w, i / w);
            [(x % 256) as u8, (y % 256) as u8, 9]
        });
        let img = RgbImage::from_raw(w, h, data.collect()).unwrap();
        let quad = CardQuad { format: DocumentFormat::Id1, corners: [[50.0, 60.0], [550.0, 60.0], [550.0, 375.5], [50.0, 375.5]], score: 1.0 };
        let (card, hom) = rectify(&img, &quad).unwrap();
        assert_eq!((card.width(), card.height()), (500, 315));
        assert_eq!(card.pixel(10, 20).unwrap()[0..2], [60, 80]);
        let p = hom.apply([0.0, 0.0]).unwrap();
        assert!(dist(p, [50.0, 60.0]) < 1e-3);
    }
}
