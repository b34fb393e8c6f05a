//! Finding the card: classical image processing, no model.
//!
//! On a copy whose long side is [`CARD_SEARCH_LONG_SIDE`], in three channels (grey and two
//! colour opponents: a card on a desk of the same grey still differs in colour): blur, Sobel
//! gradients (per pixel the strongest channel's), thin edges (Canny-like non-maximum
//! suppression), a Hough transform in which each edge pixel votes only near its own gradient
//! orientation, the strongest lines, each refitted to its edge pixels (a 1° bin is 4 px off at
//! the end of a long side). Every line gets a profile of edge evidence along it (prefix sums),
//! so every pair of two roughly parallel pairs of lines — a candidate quadrilateral — is scored
//! in O(1): how much of each side an edge runs along, up to both corners, how little the edge
//! runs on beyond the corners (a header band or a portrait frame meets the card's side in a T),
//! and how well its aspect ratio — after undoing the perspective — matches ID-1 or ID-3. Of
//! nested well-scored quads the outermost wins (the portrait frame lies inside the card). The
//! winner is refined at full resolution (edge points near each side in all three channels, a
//! robust line fit per side, the lines intersected: rounded corners do not pull the corners).
//!
//! Must never panic on any image (tiny, 1x1, extreme aspect): it answers `None` instead.

use crate::constants::*;
use crate::raster::RgbImage;

use super::{CardQuad, DocumentFormat, Quad};

/// A grey float image.
pub(crate) struct Gray {
    pub w: usize,
    pub h: usize,
    pub data: Vec<f32>,
}

impl Gray {
    /// Grey and the two colour opponents of `img`, box-averaged down by `factor` (≥ 1) on both
    /// axes, in one pass over the image.
    fn channels_shrunk(img: &RgbImage, factor: f32) -> [Gray; 3] {
        let (sw, sh) = (img.width() as usize, img.height() as usize);
        let raw = img.as_raw();
        let w = ((sw as f32 / factor).round() as usize).max(1);
        let h = ((sh as f32 / factor).round() as usize).max(1);
        let mut out = [Vec::with_capacity(w * h), Vec::with_capacity(w * h), Vec::with_capacity(w * h)];
        let xs: Vec<(usize, usize)> = (0..w)
            .map(|x| {
                let x0 = ((x as f32 * factor) as usize).min(sw - 1);
                (x0, (((x + 1) as f32 * factor) as usize).clamp(x0 + 1, sw))
            })
            .collect();
        for y in 0..h {
            let y0 = ((y as f32 * factor) as usize).min(sh - 1);
            let y1 = (((y + 1) as f32 * factor) as usize).clamp(y0 + 1, sh);
            for &(x0, x1) in &xs {
                let (mut r, mut g, mut b) = (0u32, 0u32, 0u32);
                for yy in y0..y1 {
                    let row = raw.get((yy * sw + x0) * 3..(yy * sw + x1) * 3).unwrap_or(&[]);
                    for p in row.chunks_exact(3) {
                        r += p[0] as u32;
                        g += p[1] as u32;
                        b += p[2] as u32;
                    }
                }
                let n = ((y1 - y0) * (x1 - x0)) as f32;
                let (r, g, b) = (r as f32 / n, g as f32 / n, b as f32 / n);
                out[0].push(0.299 * r + 0.587 * g + 0.114 * b);
                out[1].push(r - g);
                out[2].push(0.5 * (r + g) - b);
            }
        }
        out.map(|data| Gray { w, h, data })
    }

    /// Separable gaussian blur (edges repeated).
    fn blur(&self, sigma: f32) -> Gray {
        let r = (sigma * 2.5).ceil() as usize;
        let k: Vec<f32> = (0..=2 * r).map(|i| (-((i as f32 - r as f32).powi(2)) / (2.0 * sigma * sigma)).exp()).collect();
        let norm: f32 = k.iter().sum();
        let k: Vec<f32> = k.iter().map(|v| v / norm).collect();
        let (w, h) = (self.w, self.h);
        // Rows, each padded with its edge values.
        let mut tmp = vec![0.0; self.data.len()];
        let mut pad = vec![0.0f32; w + 2 * r];
        for y in 0..h {
            let row = &self.data[y * w..(y + 1) * w];
            for (i, v) in pad.iter_mut().enumerate() {
                *v = row[i.saturating_sub(r).min(w - 1)];
            }
            let out = &mut tmp[y * w..(y + 1) * w];
            for (x, o) in out.iter_mut().enumerate() {
                *o = pad[x..x + 2 * r + 1].iter().zip(&k).map(|(a, b)| a * b).sum();
            }
        }
        // Columns: accumulate whole rows.
        let mut out = vec![0.0; self.data.len()];
        for y in 0..h {
            let dst = &mut out[y * w..(y + 1) * w];
            for (i, kv) in k.iter().enumerate() {
                let yy = (y + i).saturating_sub(r).min(h - 1);
                let src = &tmp[yy * w..(yy + 1) * w];
                for (d, s) in dst.iter_mut().zip(src) {
                    *d += kv * s;
                }
            }
        }
        Gray { w: self.w, h: self.h, data: out }
    }
}

/// Sobel gradients (divided by 8: grey levels per pixel).
struct Gradients {
    w: usize,
    h: usize,
    gx: Vec<f32>,
    gy: Vec<f32>,
    mag: Vec<f32>,
}

impl Gradients {
    fn of(g: &Gray) -> Gradients {
        let (w, h) = (g.w, g.h);
        let mut gx = vec![0.0; w * h];
        let mut gy = vec![0.0; w * h];
        for y in 1..h.saturating_sub(1) {
            for x in 1..w.saturating_sub(1) {
                let p = |dx: isize, dy: isize| g.data[(y as isize + dy) as usize * w + (x as isize + dx) as usize];
                let sx = (p(1, -1) + 2.0 * p(1, 0) + p(1, 1)) - (p(-1, -1) + 2.0 * p(-1, 0) + p(-1, 1));
                let sy = (p(-1, 1) + 2.0 * p(0, 1) + p(1, 1)) - (p(-1, -1) + 2.0 * p(0, -1) + p(1, -1));
                gx[y * w + x] = sx / 8.0;
                gy[y * w + x] = sy / 8.0;
            }
        }
        let mag = gx.iter().zip(&gy).map(|(a, b)| a.hypot(*b)).collect();
        Gradients { w, h, gx, gy, mag }
    }

    /// Per pixel, the gradient of the channel where it is strongest.
    fn strongest(channels: Vec<Gradients>) -> Option<Gradients> {
        let mut it = channels.into_iter();
        let mut out = it.next()?;
        for g in it {
            for i in 0..out.mag.len().min(g.mag.len()) {
                if g.mag[i] > out.mag[i] {
                    out.mag[i] = g.mag[i];
                    out.gx[i] = g.gx[i];
                    out.gy[i] = g.gy[i];
                }
            }
        }
        Some(out)
    }

    /// Thinned edge pixels: local maxima of the magnitude across the edge, above `threshold`.
    fn edges(&self, threshold: f32) -> Vec<usize> {
        let (w, h) = (self.w, self.h);
        let mut out = Vec::new();
        for y in 2..h.saturating_sub(2) {
            for x in 2..w.saturating_sub(2) {
                let i = y * w + x;
                let m = self.mag[i];
                if m < threshold {
                    continue;
                }
                let (ax, ay) = (self.gx[i].abs(), self.gy[i].abs());
                // Neighbours along the gradient, quantised to 4 directions.
                let (a, b) = if ay <= 0.414 * ax {
                    (i - 1, i + 1)
                } else if ax <= 0.414 * ay {
                    (i - w, i + w)
                } else if (self.gx[i] > 0.0) == (self.gy[i] > 0.0) {
                    (i - w - 1, i + w + 1)
                } else {
                    (i - w + 1, i + w - 1)
                };
                if m >= self.mag[a] && m > self.mag[b] {
                    out.push(i);
                }
            }
        }
        out
    }

    /// Edge strength across the direction with unit normal `n` near `(x, y)`: the largest
    /// gradient component along `n` within ±2 px along `n`, counting only gradients that point
    /// along `n` (±25°).
    fn across(&self, x: f32, y: f32, n: [f32; 2]) -> f32 {
        let mut best = 0.0f32;
        for o in [-2.0f32, -1.0, 0.0, 1.0, 2.0] {
            let (px, py) = ((x + o * n[0]).round(), (y + o * n[1]).round());
            if px < 1.0 || py < 1.0 || px >= (self.w - 1) as f32 || py >= (self.h - 1) as f32 {
                continue;
            }
            let i = py as usize * self.w + px as usize;
            let m = self.mag[i];
            if m <= 0.0 {
                continue;
            }
            let along = (self.gx[i] * n[0] + self.gy[i] * n[1]).abs();
            if along >= 0.9 * m {
                best = best.max(along);
            }
        }
        best
    }
}

/// A line `x cos θ + y sin θ = ρ` with its Hough votes.
#[derive(Debug, Clone, Copy)]
struct Line {
    theta: f32,
    rho: f32,
    votes: f32,
}

impl Line {
    fn normal(&self) -> [f32; 2] {
        [self.theta.cos(), self.theta.sin()]
    }
}

const THETA_BINS: usize = 180;
/// Blur of the search image (px): wood grain, fabric and printed text lines fade, a card's
/// outline (a long step) does not.
const SEARCH_BLUR: f32 = 2.0;
const MAX_LINES: usize = 64;

/// The strongest lines, orientation-voted.
fn hough(grad: &Gradients, edges: &[usize]) -> Vec<Line> {
    let (w, h) = (grad.w, grad.h);
    let diag = ((w * w + h * h) as f32).sqrt().ceil() as usize + 1;
    let rho_bins = 2 * diag + 1;
    let mut acc = vec![0.0f32; THETA_BINS * rho_bins];
    let (cos, sin): (Vec<f32>, Vec<f32>) =
        (0..THETA_BINS).map(|t| t as f32 * std::f32::consts::PI / THETA_BINS as f32).map(|a| (a.cos(), a.sin())).unzip();
    for &i in edges {
        let (x, y) = ((i % w) as f32 + 0.5, (i / w) as f32 + 0.5);
        let phi = grad.gy[i].atan2(grad.gx[i]).to_degrees();
        let t0 = phi.rem_euclid(180.0).round() as i64;
        for dt in -3..=3i64 {
            let t = (t0 + dt).rem_euclid(THETA_BINS as i64) as usize;
            let rho = x * cos[t] + y * sin[t];
            let r = (rho.round() as i64 + diag as i64).clamp(0, rho_bins as i64 - 1) as usize;
            let wgt = if dt == 0 { 1.0 } else if dt.abs() == 1 { 0.8 } else { 0.4 };
            acc[t * rho_bins + r] += wgt;
        }
    }
    // Peaks: local maxima over ±2° and ±3 px (wrapping θ with ρ mirrored).
    let at = |t: i64, r: i64| -> f32 {
        let (t, r) = if t < 0 {
            (t + THETA_BINS as i64, 2 * diag as i64 - r)
        } else if t >= THETA_BINS as i64 {
            (t - THETA_BINS as i64, 2 * diag as i64 - r)
        } else {
            (t, r)
        };
        if r < 0 || r >= rho_bins as i64 {
            return 0.0;
        }
        acc[t as usize * rho_bins + r as usize]
    };
    let min_votes = (w.min(h) as f32 * 0.06).max(8.0);
    let mut peaks = Vec::new();
    for t in 0..THETA_BINS as i64 {
        for r in 0..rho_bins as i64 {
            let v = acc[t as usize * rho_bins + r as usize];
            if v < min_votes {
                continue;
            }
            let mut is_max = true;
            'n: for dt in -2..=2i64 {
                for dr in -3..=3i64 {
                    if (dt, dr) == (0, 0) {
                        continue;
                    }
                    let u = at(t + dt, r + dr);
                    if u > v || (u == v && (dt, dr) < (0, 0)) {
                        is_max = false;
                        break 'n;
                    }
                }
            }
            if is_max {
                peaks.push(Line { theta: (t as f32).to_radians() * 180.0 / THETA_BINS as f32, rho: (r - diag as i64) as f32, votes: v });
            }
        }
    }
    peaks.sort_by(|a, b| b.votes.total_cmp(&a.votes));
    peaks.truncate(MAX_LINES);
    // Refitted peaks of one edge converge: keep the first (most voted) of near-duplicates.
    let mut out: Vec<Line> = Vec::with_capacity(peaks.len());
    for l in peaks.iter().map(|l| fit_to_edges(grad, edges, l)) {
        let dup = out.iter().any(|o| {
            let (a, b) = (o.normal(), l.normal());
            let same_dir = a[0] * b[0] + a[1] * b[1];
            angle_between(o.theta, l.theta) < 1.0 && (o.rho - same_dir.signum() * l.rho).abs() < 1.5
        });
        if !dup {
            out.push(l);
        }
    }
    out
}

/// A Hough line is only as precise as its bins (1°: 4 px off at the end of a 500 px side, where
/// the side's support would be sampled beside the edge): refit it to the edge pixels along it
/// whose gradient is across it, twice, in a narrowing band.
fn fit_to_edges(grad: &Gradients, edges: &[usize], line: &Line) -> Line {
    let w = grad.w;
    let mut cur = *line;
    for band in [3.0f32, 1.5] {
        let n = cur.normal();
        let mut pts = Vec::new();
        for &i in edges {
            let (x, y) = ((i % w) as f32 + 0.5, (i / w) as f32 + 0.5);
            if (x * n[0] + y * n[1] - cur.rho).abs() > band {
                continue;
            }
            let m = grad.mag[i];
            if m > 0.0 && (grad.gx[i] * n[0] + grad.gy[i] * n[1]).abs() >= 0.96 * m {
                pts.push([x, y]);
            }
        }
        if pts.len() < 12 {
            return cur;
        }
        let Some(mut fit) = tls(&pts) else { return cur };
        // Same orientation as the Hough line (θ in 0..180°, ρ signed accordingly).
        let (fc, lc) = (fit.normal(), line.normal());
        if fc[0] * lc[0] + fc[1] * lc[1] < 0.0 {
            fit.theta -= std::f32::consts::PI;
            fit.rho = -fit.rho;
        }
        if angle_between(fit.theta, line.theta) > 2.5 {
            return cur;
        }
        cur = Line { votes: line.votes, ..fit };
    }
    cur
}

fn intersect(a: &Line, b: &Line) -> Option<[f32; 2]> {
    let ([c1, s1], [c2, s2]) = (a.normal(), b.normal());
    let det = c1 * s2 - s1 * c2;
    if det.abs() < 1e-3 {
        return None;
    }
    let x = (a.rho * s2 - b.rho * s1) / det;
    let y = (c1 * b.rho - c2 * a.rho) / det;
    (x.is_finite() && y.is_finite()).then_some([x, y])
}

/// Angle between two line normals, 0..90°.
fn angle_between(a: f32, b: f32) -> f32 {
    let d = (a - b).to_degrees().rem_euclid(180.0);
    d.min(180.0 - d)
}

pub(crate) fn cross(o: [f32; 2], a: [f32; 2], b: [f32; 2]) -> f32 {
    (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])
}

/// Signed area (positive for TL, TR, BR, BL order in y-down pixels).
pub(crate) fn signed_area(q: &Quad) -> f32 {
    (0..4).map(|i| q[i][0] * q[(i + 1) % 4][1] - q[(i + 1) % 4][0] * q[i][1]).sum::<f32>() / 2.0
}

fn is_convex(q: &Quad) -> bool {
    let s: Vec<f32> = (0..4).map(|i| cross(q[i], q[(i + 1) % 4], q[(i + 2) % 4])).collect();
    s.iter().all(|v| *v > 0.0) || s.iter().all(|v| *v < 0.0)
}

pub(crate) fn dist(a: [f32; 2], b: [f32; 2]) -> f32 {
    (a[0] - b[0]).hypot(a[1] - b[1])
}

/// The card's width over height with the perspective undone (Zhang & He, "Whiteboard scanning
/// and image enhancement", 2007): the focal length is solved from the quad with the principal
/// point at the frame's centre; when the quad is nearly a parallelogram (no perspective to solve
/// from) or the solution is implausible, a nominal focal length of 0.8 x the frame's long side is
/// used (a phone's main camera: 26 mm equivalent, about 65° across the long side).
/// `q` is TL, TR, BR, BL; the answer is |TL→TR| over |TL→BL| in the card's plane.
pub(crate) fn true_aspect(q: &Quad, frame: [f32; 2]) -> f32 {
    let c = [frame[0] as f64 / 2.0, frame[1] as f64 / 2.0];
    let p = |i: usize| [q[i][0] as f64 - c[0], q[i][1] as f64 - c[1], 1.0];
    let (m1, m2, m4, m3) = (p(0), p(1), p(2), p(3));
    let crossv = |a: [f64; 3], b: [f64; 3]| [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
    let dot = |a: [f64; 3], b: [f64; 3]| a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
    let m14 = crossv(m1, m4);
    let (d2, d3) = (dot(crossv(m2, m4), m3), dot(crossv(m3, m4), m2));
    let simple = || {
        let w = (dist(q[0], q[1]) + dist(q[3], q[2])) / 2.0;
        let h = (dist(q[0], q[3]) + dist(q[1], q[2])) / 2.0;
        if h > 0.0 {
            w / h
        } else {
            0.0
        }
    };
    if d2.abs() < 1e-9 || d3.abs() < 1e-9 {
        return simple();
    }
    let k2 = dot(m14, m3) / d2;
    let k3 = dot(m14, m2) / d3;
    let n2 = [k2 * m2[0] - m1[0], k2 * m2[1] - m1[1], k2 * m2[2] - m1[2]];
    let n3 = [k3 * m3[0] - m1[0], k3 * m3[1] - m1[1], k3 * m3[2] - m1[2]];
    let long = frame[0].max(frame[1]) as f64;
    let mut f2 = (0.8 * long).powi(2);
    if (n2[2] * n3[2]).abs() > 1e-6 {
        let est = -(n2[0] * n3[0] + n2[1] * n3[1]) / (n2[2] * n3[2]);
        if est.is_finite() && est > (0.4 * long).powi(2) && est < (4.0 * long).powi(2) {
            f2 = est;
        }
    }
    let num = n2[0] * n2[0] + n2[1] * n2[1] + f2 * n2[2] * n2[2];
    let den = n3[0] * n3[0] + n3[1] * n3[1] + f2 * n3[2] * n3[2];
    if !(num.is_finite() && den.is_finite() && den > 0.0 && num > 0.0) {
        return simple();
    }
    (num / den).sqrt() as f32
}

/// The format an aspect (≥ 1) is closest to, and how well it matches (1 exact, 0 far off).
fn format_of(aspect: f32) -> (DocumentFormat, f32) {
    let e1 = (aspect / ID1_ASPECT).ln().abs();
    let e3 = (aspect / ID3_ASPECT).ln().abs();
    let (format, e) = if e1 <= e3 { (DocumentFormat::Id1, e1) } else { (DocumentFormat::Id3, e3) };
    // Tilt estimation errors of a few percent are normal; beyond ~15 % it is not a card.
    (format, (-(e / 0.09).powi(2)).exp())
}

/// Puts a convex quad in TL, TR, BR, BL order: clockwise on screen, the first side a long side,
/// and of the two long sides the one whose direction is closest to pointing right first.
pub(crate) fn order_corners(q: Quad) -> Quad {
    let mut q = q;
    if signed_area(&q) < 0.0 {
        q.reverse();
    }
    let side = |q: &Quad, i: usize| dist(q[i], q[(i + 1) % 4]);
    let start = if side(&q, 0) + side(&q, 2) >= side(&q, 1) + side(&q, 3) { 0 } else { 1 };
    let rotated = |s: usize| -> Quad { [q[s % 4], q[(s + 1) % 4], q[(s + 2) % 4], q[(s + 3) % 4]] };
    let (a, b) = (rotated(start), rotated(start + 2));
    let dir = |q: &Quad| (q[1][0] - q[0][0]) / dist(q[0], q[1]).max(1e-6);
    if dir(&a) >= dir(&b) {
        a
    } else {
        b
    }
}

/// The same card turned by 180° (what was the bottom-right corner is now the top-left).
pub fn turned(q: &Quad) -> Quad {
    [q[2], q[3], q[0], q[1]]
}

/// Edge evidence along one Hough line, sampled every pixel over the whole image: prefix sums of
/// the samples inside the image and of those where an edge runs along the line (perpendicular
/// gradient above the threshold), so the support of any segment of the line costs O(1).
struct Profile {
    origin: [f32; 2],
    dir: [f32; 2],
    /// Parameter of sample 0 along `dir` from `origin`.
    s0: f32,
    inside: Vec<u32>,
    hits: Vec<u32>,
}

impl Profile {
    fn of(grad: &Gradients, line: &Line, threshold: f32) -> Profile {
        let n = line.normal();
        let origin = [line.rho * n[0], line.rho * n[1]];
        let dir = [-n[1], n[0]];
        let half = ((grad.w * grad.w + grad.h * grad.h) as f32).sqrt().ceil() + 2.0;
        let count = (2.0 * half) as usize + 1;
        let (mut inside, mut hits) = (Vec::with_capacity(count + 1), Vec::with_capacity(count + 1));
        inside.push(0u32);
        hits.push(0u32);
        let (mut ci, mut ch) = (0u32, 0u32);
        for k in 0..count {
            let s = -half + k as f32;
            let (x, y) = (origin[0] + s * dir[0], origin[1] + s * dir[1]);
            if x >= 2.0 && y >= 2.0 && x <= (grad.w - 2) as f32 && y <= (grad.h - 2) as f32 {
                ci += 1;
                ch += (grad.across(x, y, n) >= threshold) as u32;
            }
            inside.push(ci);
            hits.push(ch);
        }
        Profile { origin, dir, s0: -half, inside, hits }
    }

    /// Parameter of a point along the line.
    fn param(&self, p: [f32; 2]) -> f32 {
        (p[0] - self.origin[0]) * self.dir[0] + (p[1] - self.origin[1]) * self.dir[1]
    }

    /// (samples inside the image, hits) over parameters `lo..hi`.
    fn count(&self, lo: f32, hi: f32) -> (u32, u32) {
        let last = self.inside.len() - 1;
        let idx = |s: f32| ((s - self.s0).round().max(0.0) as usize).min(last);
        let (a, b) = (idx(lo), idx(hi));
        if b <= a {
            return (0, 0);
        }
        (self.inside[b] - self.inside[a], self.hits[b] - self.hits[a])
    }
}

/// How a side `a → b` lying on a line is supported: the share of its inner 88 % (the rounded
/// corners left out) along which an edge runs, the share over its weaker end quarter (a card's
/// side is supported up to both corners, a quad made of a card's side and some other object's
/// edge leaves one end bare), and how far the edge continues beyond each corner (a card's side
/// stops at its corner; a header band's or a portrait frame's edge meets the card's side in a T,
/// a paper's edge runs on). `None` when less than a quarter of the side is inside the image.
fn side_support(p: &Profile, a: [f32; 2], b: [f32; 2]) -> Option<SideSupport> {
    let (sa, sb) = (p.param(a), p.param(b));
    let (lo, hi) = (sa.min(sb), sa.max(sb));
    let len = hi - lo;
    if !(len.is_finite() && len >= 4.0) {
        return None;
    }
    let share = |(inside, hit): (u32, u32), least: f32| if (inside as f32) < least { None } else { Some(hit as f32 / inside as f32) };
    let whole_n = p.count(lo + 0.06 * len, hi - 0.06 * len);
    if (whole_n.0 as f32) < 0.25 * 0.88 * len {
        return None;
    }
    let whole = whole_n.1 as f32 / whole_n.0.max(1) as f32;
    let q = 0.22 * len;
    let ends = [share(p.count(lo + 0.06 * len, lo + 0.06 * len + q), q / 3.0), share(p.count(hi - 0.06 * len - q, hi - 0.06 * len), q / 3.0)]
        .into_iter()
        .flatten()
        .fold(whole, f32::min);
    // Beyond the corners: skip the blur and the corner's rounding, then look a stretch further.
    let gap = 2.0 + 0.03 * len;
    let reach = (0.15 * len).max(6.0);
    let beyond = |from: f32, to: f32| share(p.count(from.min(to), from.max(to)), 3.0).unwrap_or(0.0);
    let ext = [beyond(lo - gap - reach, lo - gap), beyond(hi + gap, hi + gap + reach)];
    Some(SideSupport { whole, ends, ext })
}

#[derive(Debug, Clone, Copy)]
struct SideSupport {
    whole: f32,
    ends: f32,
    ext: [f32; 2],
}

/// A scored candidate in search coordinates.
#[derive(Debug, Clone, Copy)]
struct Candidate {
    quad: Quad,
    score: f32,
    support: f32,
    format: DocumentFormat,
    area: f32,
}

/// Scores the quad of lines `[a, b, c, d]` (a ∥ b, c ∥ d).
fn quad_of(w: f32, h: f32, lines: &[Line], profiles: &[Profile], [a, b, c, d]: [usize; 4]) -> Option<Candidate> {
    let (la, lb, lc, ld) = (lines.get(a)?, lines.get(b)?, lines.get(c)?, lines.get(d)?);
    // Sides: q0-q1 on a, q1-q2 on d, q2-q3 on b, q3-q0 on c.
    let raw = [intersect(la, lc)?, intersect(la, ld)?, intersect(lb, ld)?, intersect(lb, lc)?];
    let area = signed_area(&raw).abs();
    if !(area.is_finite() && area >= 0.002 * w * h && area <= 1.2 * w * h) || !is_convex(&raw) {
        return None;
    }
    let short = (0..4).map(|i| dist(raw[i], raw[(i + 1) % 4])).fold(f32::INFINITY, f32::min);
    if short < 8.0 {
        return None;
    }
    // Corners may leave the frame (a card cut by its edge), not by much.
    let (mx, my) = (0.3 * w, 0.3 * h);
    if raw.iter().any(|p| p[0] < -mx || p[1] < -my || p[0] > w + mx || p[1] > h + my) {
        return None;
    }
    let q = order_corners(raw);
    let aspect = true_aspect(&q, [w, h]);
    let (format, fit) = format_of(aspect);
    if fit < 0.2 {
        return None;
    }
    let on = [a, d, b, c];
    let mut sides = [SideSupport { whole: 0.0, ends: 0.0, ext: [0.0; 2] }; 4];
    for i in 0..4 {
        sides[i] = side_support(profiles.get(on[i])?, raw[i], raw[(i + 1) % 4])?;
        if sides[i].whole < 0.25 {
            return None;
        }
    }
    let mean = sides.iter().map(|s| s.whole).sum::<f32>() / 4.0;
    let min = sides.iter().map(|s| s.whole).fold(1.0, f32::min);
    let ends = sides.iter().map(|s| s.ends).fold(1.0, f32::min);
    let ext = sides.iter().flat_map(|s| s.ext).sum::<f32>() / 8.0;
    let support = 0.5 * mean + 0.2 * min + 0.3 * ends;
    let size = (area / (w * h)).sqrt().min(1.0);
    let score = support.powi(3) * (0.4 + 0.6 * fit) * size.sqrt() * (1.0 - EXTENSION_PENALTY * ext);
    Some(Candidate { quad: q, score, support: support * (0.5 + 0.5 * fit), format, area })
}

/// How much a side's edge running on beyond its corners costs (share of the score when all
/// eight ends run on).
const EXTENSION_PENALTY: f32 = 0.8;
/// A larger quad enclosing the best one wins when it scores at least this share of it: the
/// portrait's frame, a header band, an MRZ band are well supported quads inside the card.
const NESTED_SCORE_SHARE: f32 = 0.6;

/// `p` inside `q` (TL, TR, BR, BL order) or less than `margin` px outside it.
pub(crate) fn contains(q: &Quad, p: [f32; 2], margin: f32) -> bool {
    (0..4).all(|i| cross(q[i], q[(i + 1) % 4], p) >= -margin * dist(q[i], q[(i + 1) % 4]))
}

/// The best candidates, best first: the strongest quad (grown to the outermost of nested
/// quads), then the strongest of the rest that is not the same place (a candidate whose centre
/// lies inside a chosen one and the chosen one's centre inside it, of a similar area, is the
/// same place), up to `k`. The alternatives let the caller check each against its content (a
/// photo lying on the desk has a card-like outline; the portrait decides).
fn best_quads(grad: &Gradients, lines: &[Line], threshold: f32, k: usize) -> Vec<Candidate> {
    let (w, h) = (grad.w as f32, grad.h as f32);
    let profiles: Vec<Profile> = lines.iter().map(|l| Profile::of(grad, l, threshold)).collect();
    let n = lines.len();
    let mut pairs = Vec::new();
    for i in 0..n {
        for j in i + 1..n {
            if angle_between(lines[i].theta, lines[j].theta) <= 30.0 {
                pairs.push((i, j));
            }
        }
    }
    let mut cands: Vec<Candidate> = Vec::new();
    for (pi, &(a, b)) in pairs.iter().enumerate() {
        for &(c, d) in &pairs[pi + 1..] {
            if a == c || a == d || b == c || b == d || angle_between(lines[a].theta, lines[c].theta) < 50.0 {
                continue;
            }
            if let Some(cand) = quad_of(w, h, lines, &profiles, [a, b, c, d]) {
                cands.push(cand);
            }
        }
    }
    cands.sort_by(|a, b| b.score.total_cmp(&a.score));
    let mut out: Vec<Candidate> = Vec::new();
    for first in &cands {
        if out.len() >= k {
            break;
        }
        let centre = |q: &Quad| [q.iter().map(|p| p[0]).sum::<f32>() / 4.0, q.iter().map(|p| p[1]).sum::<f32>() / 4.0];
        let same_place = |a: &Candidate, b: &Candidate| {
            let ratio = a.area / b.area.max(1e-6);
            contains(&a.quad, centre(&b.quad), 0.0) && contains(&b.quad, centre(&a.quad), 0.0) && ratio > 0.5 && ratio < 2.0
        };
        if out.iter().any(|o| same_place(o, first) || first.quad.iter().all(|p| contains(&o.quad, *p, 3.0))) {
            continue;
        }
        // Prefer the outermost of nested quads.
        let mut best = *first;
        loop {
            let inner = best;
            let all_inside = |c: &Candidate| inner.quad.iter().all(|p| contains(&c.quad, *p, 3.0));
            let grown = cands
                .iter()
                .filter(|c| c.area > 1.1 * inner.area && c.score >= NESTED_SCORE_SHARE * inner.score && all_inside(c))
                .max_by(|a, b| a.score.total_cmp(&b.score));
            match grown {
                Some(c) => best = *c,
                None => break,
            }
        }
        if out.iter().any(|o| same_place(o, &best)) {
            continue;
        }
        out.push(best);
    }
    out
}

/// Finds an ID-1 or ID-3 card in a frame: its corners TL, TR, BR, BL with the long side as the
/// top (of the two readings 180° apart, the one closer to upright in the frame: the portrait
/// decides the final one, see `Likeness::analyze_document`). `None` when there is no card.
pub fn find_card(img: &RgbImage) -> Option<CardQuad> {
    find_cards(img, 1).into_iter().next()
}

/// Up to `k` card candidates in different places, best first (see [`find_card`]): a photo
/// lying on the desk, a paper or a box can outscore the card by its outline alone; the
/// still-image path checks each one's portrait (`Likeness::analyze_document`).
pub fn find_cards(img: &RgbImage, k: usize) -> Vec<CardQuad> {
    find_cards_at(img, k, CARD_SEARCH_LONG_SIDE)
}

/// [`find_cards`] on a search copy whose long side is `long_side` px (never upscaled): a far
/// card (under ~200 px wide in a 1920 px frame) is under 70 px at the normal search size, where
/// the blur and the Hough peaks lose it.
pub fn find_cards_at(img: &RgbImage, k: usize, long_side: usize) -> Vec<CardQuad> {
    let (w, h) = (img.width() as usize, img.height() as usize);
    if w < 32 || h < 32 || k == 0 || long_side < 32 {
        return Vec::new();
    }
    let factor = (w.max(h) as f32 / long_side as f32).max(1.0);
    let smalls = Gray::channels_shrunk(img, factor);
    let small = &smalls[0];
    if small.w < 24 || small.h < 24 {
        return Vec::new();
    }
    let Some(grad) = Gradients::strongest(smalls.iter().map(|g| Gradients::of(&g.blur(SEARCH_BLUR))).collect()) else { return Vec::new() };
    let mut mags: Vec<f32> = grad.mag.iter().copied().filter(|m| *m > 0.5).collect();
    if mags.len() < 64 {
        return Vec::new();
    }
    let kth = mags.len() * 3 / 4;
    mags.select_nth_unstable_by(kth, f32::total_cmp);
    let edge_threshold = mags[kth].clamp(2.0, 12.0);
    let support_threshold = edge_threshold.max(3.0);
    let edges = grad.edges(edge_threshold);
    let lines = hough(&grad, &edges);
    let sf = [w as f32 / small.w as f32, h as f32 / small.h as f32];
    best_quads(&grad, &lines, support_threshold, k)
        .into_iter()
        .filter_map(|best| {
            let coarse: Quad = best.quad.map(|p| [p[0] * sf[0], p[1] * sf[1]]);
            let refined = refine(img, &coarse, factor).unwrap_or(coarse);
            let refined = order_corners(refined);
            let aspect = true_aspect(&refined, [w as f32, h as f32]);
            let (format, fit) = format_of(aspect);
            let format = if fit > 0.2 { format } else { best.format };
            let score = best.support.clamp(0.0, 1.0);
            (score >= CARD_MIN_SCORE).then_some(CardQuad { format, corners: refined, score })
        })
        .collect()
}


/// Moves each side onto the strongest edge near it at full resolution (robust line fit) and
/// intersects the four lines. `None` when a side finds too few edge points.
fn refine(full: &RgbImage, q: &Quad, factor: f32) -> Option<Quad> {
    let reach = (2.5 * factor).max(3.0);
    let mut lines = Vec::with_capacity(4);
    for i in 0..4 {
        let (a, b) = (q[i], q[(i + 1) % 4]);
        let len = dist(a, b);
        if !(len.is_finite() && len > 8.0) {
            return None;
        }
        let d = [(b[0] - a[0]) / len, (b[1] - a[1]) / len];
        let n = [-d[1], d[0]];
        let count = ((len / 3.0) as usize).clamp(16, 240);
        let mut points = Vec::with_capacity(count);
        for s in 0..count {
            let t = 0.12 + 0.76 * (s as f32 + 0.5) / count as f32;
            let c = [a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1])];
            if c[0] < 1.0 || c[1] < 1.0 || c[0] > full.width() as f32 - 1.0 || c[1] > full.height() as f32 - 1.0 {
                continue;
            }
            if let Some(o) = edge_offset(full, c, d, n, reach) {
                points.push([c[0] + o * n[0], c[1] + o * n[1]]);
            }
        }
        if points.len() < 8 {
            return None;
        }
        lines.push(fit_line(&points)?);
    }
    let mut out = [[0.0f32; 2]; 4];
    for i in 0..4 {
        // Corner i joins side i-1 and side i.
        let p = intersect(&lines[(i + 3) % 4], &lines[i])?;
        if dist(p, q[i]) > 3.0 * reach + 0.05 * dist(q[0], q[2]) {
            return None;
        }
        out[i] = p;
    }
    is_convex(&out).then_some(out)
}

/// The learned finder's quad (frame px, any order) refined on the frame's own edges: each side
/// moved onto the strongest step within `reach` px of it (a robust line fit over the inner 76 %
/// of the side, inside the frame only); a side with too few edge points (outside the frame,
/// under a thumb, a white card on white paper) keeps the model's line. Corners that would move
/// more than `2 * reach` keep the model's place. Then ordered, with its format from its aspect.
pub(crate) fn refined_card(full: &RgbImage, q: &Quad, reach: f32, score: f32) -> CardQuad {
    let mut q = *q;
    if signed_area(&q) < 0.0 {
        q.reverse();
    }
    let mut lines: Vec<Line> = Vec::with_capacity(4);
    for i in 0..4 {
        let (a, b) = (q[i], q[(i + 1) % 4]);
        let model_line = line_through(a, b);
        let fitted = side_points(full, a, b, reach).and_then(|p| fit_line(&p));
        lines.push(match (fitted, model_line) {
            (Some(f), Some(m)) if angle_between(f.theta, m.theta) < 8.0 => f,
            (_, Some(m)) => m,
            (Some(f), None) => f,
            (None, None) => return order_card(full, q, score),
        });
    }
    let mut out = q;
    for i in 0..4 {
        if let Some(p) = intersect(&lines[(i + 3) % 4], &lines[i]) {
            out[i] = p;
        }
    }
    // The frame's edges may only correct the model, not replace its card by another outline.
    let kept = is_convex(&out) && (0..4).all(|i| dist(out[i], q[i]) <= 2.0 * reach);
    order_card(full, if kept { out } else { q }, score)
}

fn order_card(full: &RgbImage, q: Quad, score: f32) -> CardQuad {
    let q = order_corners(q);
    let (format, _) = format_of(true_aspect(&q, [full.width() as f32, full.height() as f32]));
    CardQuad { format, corners: q, score }
}

/// Edge points along side a→b within ±reach of it (None: fewer than 8).
fn side_points(full: &RgbImage, a: [f32; 2], b: [f32; 2], reach: f32) -> Option<Vec<[f32; 2]>> {
    let len = dist(a, b);
    if !(len.is_finite() && len > 8.0) {
        return None;
    }
    let d = [(b[0] - a[0]) / len, (b[1] - a[1]) / len];
    let n = [-d[1], d[0]];
    // 48 points fit a line well enough; the profile in steps of a 16th of the reach (0.5 px at
    // the narrow pass): a wide first pass over a 1920 px frame costs ~3 ms, not ~40.
    let count = ((len / 3.0) as usize).clamp(16, 48);
    let step = (reach / 16.0).max(0.5);
    let (w, h) = (full.width() as f32, full.height() as f32);
    let points: Vec<[f32; 2]> = (0..count)
        .filter_map(|s| {
            let t = 0.12 + 0.76 * (s as f32 + 0.5) / count as f32;
            let c = [a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1])];
            let m = reach + 3.0;
            if c[0] < m || c[1] < m || c[0] > w - m || c[1] > h - m {
                return None;
            }
            edge_offset_by(full, c, d, n, reach, step).map(|o| [c[0] + o * n[0], c[1] + o * n[1]])
        })
        .collect();
    (points.len() >= 8).then_some(points)
}

fn line_through(a: [f32; 2], b: [f32; 2]) -> Option<Line> {
    let len = dist(a, b);
    if !(len.is_finite() && len > 1e-3) {
        return None;
    }
    let theta = (-(b[0] - a[0])).atan2(b[1] - a[1]);
    let rho = a[0] * theta.cos() + a[1] * theta.sin();
    Some(Line { theta, rho, votes: 0.0 })
}

/// A quad with one side lying on the frame's edge (both its corners within `tol` px of the same
/// edge): the card goes on beyond it. That side is moved out along its neighbours until the
/// quad has ID-1's aspect (the full side opposite gives the card's size): the corners outside
/// the frame are estimated, never left on the edge.
pub(crate) fn extend_cut_side(q: &Quad, frame: [f32; 2], tol: f32) -> Quad {
    let on_edge = |p: [f32; 2], e: usize| match e {
        0 => p[0] <= tol,
        1 => p[1] <= tol,
        2 => p[0] >= frame[0] - tol,
        _ => p[1] >= frame[1] - tol,
    };
    let mut out = *q;
    for i in 0..4 {
        let (a, b) = (i, (i + 1) % 4);
        if !(0..4).any(|e| on_edge(q[a], e) && on_edge(q[b], e)) {
            continue;
        }
        let (c, d) = ((i + 2) % 4, (i + 3) % 4);
        // The full side c-d; the cut sides d->a and c->b.
        let full = dist(q[c], q[d]);
        let seen = (dist(q[d], q[a]) + dist(q[c], q[b])) / 2.0;
        if full <= 1.0 || seen <= 1.0 {
            continue;
        }
        let aspect = ID1_ASPECT;
        // The full side is the long one when what is seen of the other is shorter than it.
        let want = if seen <= full { (full / aspect).max(seen) } else { full * aspect };
        let t = (want / seen).max(1.0);
        out[a] = [q[d][0] + t * (q[a][0] - q[d][0]), q[d][1] + t * (q[a][1] - q[d][1])];
        out[b] = [q[c][0] + t * (q[b][0] - q[c][0]), q[c][1] + t * (q[b][1] - q[c][1])];
    }
    out
}

/// Offset along `n` (within ±reach) of the strongest grey step across the side at `c`,
/// sub-pixel (parabola through the peak), on a profile averaged over 5 px along the side.
fn edge_offset(full: &RgbImage, c: [f32; 2], d: [f32; 2], n: [f32; 2], reach: f32) -> Option<f32> {
    edge_offset_by(full, c, d, n, reach, 0.5)
}

/// [`edge_offset`] sampling the profile every `step` px (a wide search needs no half-pixel steps
/// until its second, narrow pass).
fn edge_offset_by(full: &RgbImage, c: [f32; 2], d: [f32; 2], n: [f32; 2], reach: f32, step: f32) -> Option<f32> {
    let k = (reach / step).ceil() as i32 + 1;
    let profile: Vec<[f32; 3]> = (-k..=k)
        .map(|j| {
            let o = j as f32 * step;
            let mut acc = [0.0f32; 3];
            for t in [-2.0f32, -1.0, 0.0, 1.0, 2.0] {
                let v = sample_channels(full, c[0] + o * n[0] + t * d[0], c[1] + o * n[1] + t * d[1]);
                for (a, b) in acc.iter_mut().zip(v) {
                    *a += b / 5.0;
                }
            }
            acc
        })
        .collect();
    // The step's size summed over the channels (grey and the two colour opponents); on a wide
    // search (the learned finder's first pass) a nearer step is preferred, so a paper's edge
    // running beside the card's does not win over it by a little contrast.
    let near = |j: usize| if step > 0.5 { 1.0 - 0.5 * (((j + 1) as f32 - k as f32) / k as f32).powi(2) } else { 1.0 };
    let deriv: Vec<f32> = (1..profile.len() - 1).map(|j| near(j) * (0..3).map(|c| (profile[j + 1][c] - profile[j - 1][c]).abs()).sum::<f32>()).collect();
    let (mut bi, mut bv) = (0usize, 0.0f32);
    for (j, v) in deriv.iter().enumerate() {
        if *v > bv {
            bi = j;
            bv = *v;
        }
    }
    if bv < 4.0 {
        return None;
    }
    let sub = if bi > 0 && bi + 1 < deriv.len() {
        let (l, m, r) = (deriv[bi - 1], deriv[bi], deriv[bi + 1]);
        let den = l - 2.0 * m + r;
        if den.abs() > 1e-6 {
            (0.5 * (l - r) / den).clamp(-0.5, 0.5)
        } else {
            0.0
        }
    } else {
        0.0
    };
    // deriv[j] is centred on profile[j + 1], i.e. offset (j + 1 - k) * step.
    Some(((bi + 1) as f32 - k as f32 + sub) * step)
}

/// Grey and the two colour opponents at a pixel-centre coordinate (bilinear, edges repeated).
fn sample_channels(img: &RgbImage, x: f32, y: f32) -> [f32; 3] {
    let (w, h) = (img.width() as usize, img.height() as usize);
    if w == 0 || h == 0 || !x.is_finite() || !y.is_finite() {
        return [0.0; 3];
    }
    let x = (x - 0.5).clamp(0.0, (w - 1) as f32);
    let y = (y - 0.5).clamp(0.0, (h - 1) as f32);
    let (x0, y0) = (x.floor() as usize, y.floor() as usize);
    let (x1, y1) = ((x0 + 1).min(w - 1), (y0 + 1).min(h - 1));
    let (fx, fy) = (x - x0 as f32, y - y0 as f32);
    let raw = img.as_raw();
    let px = |xx: usize, yy: usize, c: usize| raw.get((yy * w + xx) * 3 + c).copied().unwrap_or(0) as f32;
    let mut rgb = [0.0f32; 3];
    for (c, v) in rgb.iter_mut().enumerate() {
        let top = px(x0, y0, c) * (1.0 - fx) + px(x1, y0, c) * fx;
        let bottom = px(x0, y1, c) * (1.0 - fx) + px(x1, y1, c) * fx;
        *v = top * (1.0 - fy) + bottom * fy;
    }
    let [r, g, b] = rgb;
    [0.299 * r + 0.587 * g + 0.114 * b, r - g, 0.5 * (r + g) - b]
}

/// Total-least-squares line through points, refit once without the points farther than
/// 2.5x the median residual (text or glare next to the edge).
fn fit_line(points: &[[f32; 2]]) -> Option<Line> {
    let first = tls(points)?;
    let mut res: Vec<f32> = points.iter().map(|p| line_distance(&first, *p)).collect();
    let mut sorted = res.clone();
    sorted.sort_by(f32::total_cmp);
    let med = sorted[sorted.len() / 2].max(0.3);
    let kept: Vec<[f32; 2]> = points.iter().zip(res.iter_mut()).filter(|(_, r)| **r <= 2.5 * med).map(|(p, _)| *p).collect();
    if kept.len() < 6 {
        return Some(first);
    }
    tls(&kept)
}

fn line_distance(l: &Line, p: [f32; 2]) -> f32 {
    let n = l.normal();
    (p[0] * n[0] + p[1] * n[1] - l.rho).abs()
}

fn tls(points: &[[f32; 2]]) -> Option<Line> {
    let n = points.len() as f64;
    if n < 2.0 {
        return None;
    }
    let mx = points.iter().map(|p| p[0] as f64).sum::<f64>() / n;
    let my = points.iter().map(|p| p[1] as f64).sum::<f64>() / n;
    let (mut sxx, mut syy, mut sxy) = (0.0, 0.0, 0.0);
    for p in points {
        let (dx, dy) = (p[0] as f64 - mx, p[1] as f64 - my);
        sxx += dx * dx;
        syy += dy * dy;
        sxy += dx * dy;
    }
    // Direction of largest spread; the normal is perpendicular to it.
    let angle = 0.5 * (2.0 * sxy).atan2(sxx - syy);
    let theta = angle + std::f64::consts::FRAC_PI_2;
    let rho = mx * theta.cos() + my * theta.sin();
    (theta.is_finite() && rho.is_finite()).then_some(Line { theta: theta as f32, rho: rho as f32, votes: 0.0 })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::document::rectify::Homography;

    /// A textured background (two sinusoids and hash noise) with a light card-shaped quad drawn
    /// through a homography, carrying a few dark inner blocks (text-like).
    fn scene(w: u32, h: u32, corners: Quad, aspect: f32) -> RgbImage {
        let cw = 856.0f32;
        let ch = cw / aspect;
        let card: Quad = [[0.0, 0.0], [cw, 0.0], [cw, ch], [0.0, ch]];
        let to_card = Homography::from_points(&corners, &card).unwrap();
        let mut data = Vec::with_capacity((w * h * 3) as usize);
        for y in 0..h {
            for x in 0..w {
                let hash = ((x.wrapping_mul(73_856_093) ^ y.wrapping_mul(19_349_663)) % 41) as f32;
                let bg = 90.0 + 30.0 * ((x as f32) * 0.21).sin() * ((y as f32) * 0.17).cos() + hash - 20.0;
                let p = to_card.apply([x as f32 + 0.5, y as f32 + 0.5]).unwrap_or([-1.0, -1.0]);
                let inside = p[0] >= 0.0 && p[1] >= 0.0 && p[0] < cw && p[1] < ch;
                let px = if inside {
                    let (u, v) = (p[0] / cw, p[1] / ch);
                    let portrait = (0.04..0.33).contains(&u) && (0.2..0.83).contains(&v);
                    let text = (0.4..0.9).contains(&u) && ((v * 12.0) as i32 % 2 == 0) && v > 0.25 && v < 0.7;
                    if portrait {
                        [120.0, 100.0, 90.0]
                    } else if text {
                        [70.0, 70.0, 80.0]
                    } else {
                        [225.0, 228.0, 215.0]
                    }
                } else {
                    [bg, bg * 0.9, bg * 0.8]
                };
                data.extend(px.map(|v: f32| v.clamp(0.0, 255.0) as u8));
            }
        }
        RgbImage::from_raw(w, h, data).unwrap()
    }

    fn corner_error(a: &Quad, b: &Quad) -> f32 {
        (0..4).map(|i| dist(a[i], b[i])).fold(0.0, f32::max)
    }

    fn rotate(c: [f32; 2], angle_deg: f32, w: f32, h: f32) -> Quad {
        let (s, co) = angle_deg.to_radians().sin_cos();
        [[-w / 2.0, -h / 2.0], [w / 2.0, -h / 2.0], [w / 2.0, h / 2.0], [-w / 2.0, h / 2.0]]
            .map(|p| [c[0] + p[0] * co - p[1] * s, c[1] + p[0] * s + p[1] * co])
    }

    #[test]
    fn finds_a_rotated_card_on_texture_with_its_long_side_on_top() {
        for (angle, format, aspect) in [(0.0, DocumentFormat::Id1, ID1_ASPECT), (17.0, DocumentFormat::Id1, ID1_ASPECT), (-35.0, DocumentFormat::Id3, ID3_ASPECT), (90.0, DocumentFormat::Id1, ID1_ASPECT)] {
            let truth = rotate([330.0, 250.0], angle, 380.0, 380.0 / aspect);
            let img = scene(640, 480, truth, aspect);
            let found = find_card(&img).unwrap_or_else(|| panic!("no card at {angle}°"));
            assert_eq!(found.format, format, "at {angle}°");
            // Either reading (0 or 180°) is fine here: the portrait decides.
            let err = corner_error(&found.corners, &truth).min(corner_error(&found.corners, &turned(&truth)));
            assert!(err < 3.0, "corner error {err} px at {angle}°: {:?} vs {truth:?}", found.corners);
        }
    }

    #[test]
    fn finds_a_card_in_perspective() {
        let truth: Quad = [[180.0, 130.0], [500.0, 110.0], [530.0, 330.0], [150.0, 345.0]];
        let img = scene(640, 480, truth, ID1_ASPECT);
        let found = find_card(&img).expect("card");
        let err = corner_error(&found.corners, &truth).min(corner_error(&found.corners, &turned(&truth)));
        assert!(err < 3.0, "corner error {err}");
    }

    #[test]
    fn no_card_on_texture_alone_and_no_panic_on_degenerate_images() {
        let img = scene(640, 480, [[-10.0, -10.0], [-9.0, -10.0], [-9.0, -9.0], [-10.0, -9.0]], ID1_ASPECT);
        assert!(find_card(&img).is_none());
        for (w, h) in [(1, 1), (3, 2), (31, 400), (4000, 33), (40, 40)] {
            let img = RgbImage::from_raw(w, h, vec![128; (w * h * 3) as usize]).unwrap();
            assert!(find_card(&img).is_none(), "{w}x{h}");
        }
    }

    #[test]
    fn true_aspect_undoes_perspective() {
        // A card turned 25° about its vertical axis and 15° about its horizontal one, pinhole
        // f = 800 (solved from the quad), and a one-point perspective (f taken as 0.8 x the frame's
        // long side, which is what the camera has here).
        let project = |yaw: f32, pitch: f32, f: f32, x: f32, y: f32| {
            let (sy, cy) = yaw.to_radians().sin_cos();
            let (sp, cp) = pitch.to_radians().sin_cos();
            let (x1, z1) = (x * cy, x * sy);
            let (y2, z2) = (y * cp - z1 * sp, y * sp + z1 * cp);
            let z = 600.0 + z2;
            [320.0 + f * x1 / z, 240.0 + f * y2 / z]
        };
        let (hw, hh) = (100.0, 100.0 / ID1_ASPECT);
        for (yaw, pitch, f) in [(25.0, 15.0, 800.0), (30.0, 0.0, 512.0), (0.0, 0.0, 512.0)] {
            let p = |x, y| project(yaw, pitch, f, x, y);
            let q: Quad = [p(-hw, -hh), p(hw, -hh), p(hw, hh), p(-hw, hh)];
            let a = true_aspect(&q, [640.0, 480.0]);
            assert!((a - ID1_ASPECT).abs() < 0.03, "{a} at yaw {yaw} pitch {pitch}");
        }
    }
}
