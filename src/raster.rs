//! Pixel containers and the one sampling primitive every crop and resize goes through
//! (docs/pipeline.md §0). Keeping a single primitive is what lets the Python reference match
//! us to the last decimal: there is exactly one definition of "crop", "resize" and "warp".

/// An 8-bit RGB image, rows top to bottom, 3 bytes per pixel.
#[derive(Clone, PartialEq, Eq)]
pub struct RgbImage {
    width: u32,
    height: u32,
    data: Vec<u8>,
}

impl std::fmt::Debug for RgbImage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "RgbImage({}x{})", self.width, self.height)
    }
}

impl RgbImage {
    /// Wraps RGB bytes; `None` when the length is not `width * height * 3` or a side is 0.
    pub fn from_raw(width: u32, height: u32, data: Vec<u8>) -> Option<Self> {
        let expected = (width as usize).checked_mul(height as usize)?.checked_mul(3)?;
        (width > 0 && height > 0 && data.len() == expected).then_some(RgbImage { width, height, data })
    }
    pub fn width(&self) -> u32 {
        self.width
    }
    pub fn height(&self) -> u32 {
        self.height
    }
    pub fn as_raw(&self) -> &[u8] {
        &self.data
    }
    pub fn into_raw(self) -> Vec<u8> {
        self.data
    }
    /// The RGB of pixel (x, y); `None` outside the image.
    pub fn pixel(&self, x: i64, y: i64) -> Option<[u8; 3]> {
        if x < 0 || y < 0 || x >= self.width as i64 || y >= self.height as i64 {
            return None;
        }
        let i = (y as usize * self.width as usize + x as usize) * 3;
        Some([self.data[i], self.data[i + 1], self.data[i + 2]])
    }
}

/// A 2x3 affine map from output coordinates to source coordinates: `[x, y] = M · [u, v, 1]`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Affine(pub [[f32; 3]; 2]);

impl Affine {
    /// Axis-aligned crop of `side_x` x `side_y` source pixels at `origin`, onto `out_w` x `out_h`.
    pub fn crop(origin: [f32; 2], side: [f32; 2], out_w: usize, out_h: usize) -> Self {
        Affine([
            [side[0] / out_w as f32, 0.0, origin[0]],
            [0.0, side[1] / out_h as f32, origin[1]],
        ])
    }
    pub fn apply(&self, p: [f32; 2]) -> [f32; 2] {
        let m = &self.0;
        [m[0][0] * p[0] + m[0][1] * p[1] + m[0][2], m[1][0] * p[0] + m[1][1] * p[1] + m[1][2]]
    }
    /// The inverse map, `None` when singular.
    pub fn inverse(&self) -> Option<Affine> {
        let [[a, b, c], [d, e, f]] = self.0;
        let det = a * e - b * d;
        if det.abs() < 1e-12 || !det.is_finite() {
            return None;
        }
        let (ia, ib, id, ie) = (e / det, -b / det, -d / det, a / det);
        Some(Affine([[ia, ib, -(ia * c + ib * f)], [id, ie, -(id * c + ie * f)]]))
    }
}

/// A float image (values 0..255 as sampled, not rounded), `channels` interleaved per pixel.
#[derive(Debug, Clone)]
pub struct Sampled {
    pub width: usize,
    pub height: usize,
    pub channels: usize,
    pub data: Vec<f32>,
}

/// BT.601 luma weights, applied after sampling (docs/pipeline.md §0).
pub fn luma(rgb: [f32; 3]) -> f32 {
    0.299 * rgb[0] + 0.587 * rgb[1] + 0.114 * rgb[2]
}

/// Samples `img` through `m` (output → source coordinates) into `out_w` x `out_h` RGB floats.
/// Pixel centres sit at +0.5; bilinear; neighbours outside the image count as black.
pub fn sample_rgb(img: &RgbImage, m: &Affine, out_w: usize, out_h: usize) -> Sampled {
    let mut data = Vec::with_capacity(out_w * out_h * 3);
    let (w, h) = (img.width as i64, img.height as i64);
    let stride = img.width as usize * 3;
    for v in 0..out_h {
        for u in 0..out_w {
            let [x, y] = m.apply([u as f32 + 0.5, v as f32 + 0.5]);
            let (x, y) = (x - 0.5, y - 0.5);
            let (x0f, y0f) = (x.floor(), y.floor());
            let (fx, fy) = (x - x0f, y - y0f);
            let (x0, y0) = (x0f as i64, y0f as i64);
            let mut acc = [0.0f32; 3];
            for (dy, wy) in [(0, 1.0 - fy), (1, fy)] {
                let yy = y0 + dy;
                if yy < 0 || yy >= h || wy == 0.0 {
                    continue;
                }
                for (dx, wx) in [(0, 1.0 - fx), (1, fx)] {
                    let xx = x0 + dx;
                    if xx < 0 || xx >= w || wx == 0.0 {
                        continue;
                    }
                    let i = yy as usize * stride + xx as usize * 3;
                    let wgt = wx * wy;
                    acc[0] += wgt * img.data[i] as f32;
                    acc[1] += wgt * img.data[i + 1] as f32;
                    acc[2] += wgt * img.data[i + 2] as f32;
                }
            }
            data.extend_from_slice(&acc);
        }
    }
    Sampled { width: out_w, height: out_h, channels: 3, data }
}

impl Sampled {
    /// One gray channel from an RGB sample.
    pub fn to_gray(&self) -> Sampled {
        let data = self.data.chunks_exact(3).map(|p| luma([p[0], p[1], p[2]])).collect();
        Sampled { width: self.width, height: self.height, channels: 1, data }
    }

    /// Planar NCHW tensor data `(p - mean) * scale`, channels in the given order.
    pub fn to_planar(&self, order: &[usize], mean: f32, scale: f32) -> Vec<f32> {
        let n = self.width * self.height;
        let mut out = vec![0.0f32; n * order.len()];
        for (plane, &c) in order.iter().enumerate() {
            let dst = &mut out[plane * n..(plane + 1) * n];
            for (d, px) in dst.iter_mut().zip(self.data.chunks_exact(self.channels)) {
                *d = (px[c] - mean) * scale;
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ramp(w: u32, h: u32) -> RgbImage {
        let data = (0..w * h).flat_map(|i| [(i % w) as u8 * 10, (i / w) as u8 * 10, 7]).collect();
        RgbImage::from_raw(w, h, data).expect("valid size")
    }

    #[test]
    fn identity_sampling_reproduces_pixels() {
        let img = ramp(5, 4);
        let s = sample_rgb(&img, &Affine::crop([0.0, 0.0], [5.0, 4.0], 5, 4), 5, 4);
        let back: Vec<u8> = s.data.iter().map(|v| *v as u8).collect();
        assert_eq!(back, img.as_raw());
    }

    #[test]
    fn outside_is_black_and_edges_blend_towards_black() {
        let img = RgbImage::from_raw(2, 2, vec![200; 12]).expect("valid size");
        // A 4x4 window centred on the image: the ring around it is half outside.
        let s = sample_rgb(&img, &Affine::crop([-1.0, -1.0], [4.0, 4.0], 4, 4), 4, 4);
        assert_eq!(s.data[0], 0.0, "corner fully outside");
        assert_eq!(s.data[(4 + 1) * 3], 200.0, "inner pixel inside");
    }

    #[test]
    fn downscale_by_two_averages_pairs() {
        let img = ramp(4, 2);
        let s = sample_rgb(&img, &Affine::crop([0.0, 0.0], [4.0, 2.0], 2, 1), 2, 1);
        // x sample points 0.5 and 2.5 in index space: mean of columns (0,1) and (2,3).
        assert!((s.data[0] - 5.0).abs() < 1e-4);
        assert!((s.data[3] - 25.0).abs() < 1e-4);
    }

    #[test]
    fn inverse_round_trips() {
        let m = Affine([[0.9, -0.2, 3.0], [0.3, 1.1, -4.0]]);
        let inv = m.inverse().expect("invertible");
        let p = inv.apply(m.apply([7.0, -2.5]));
        assert!((p[0] - 7.0).abs() < 1e-4 && (p[1] + 2.5).abs() < 1e-4);
        assert!(Affine([[0.0; 3], [0.0; 3]]).inverse().is_none());
    }
}
