//! The learned card finder's input: a frame shrunk into the model's square (letterboxed).
//!
//! The training data (training/document) is made with this same function, so the model sees at
//! training time exactly what it sees at run time.

use crate::raster::RgbImage;

/// A frame shrunk to fit a `side` x `side` square, top-left, the rest black.
#[derive(Debug, Clone)]
pub struct Letterbox {
    pub side: usize,
    /// RGB, row-major, `side * side * 3`.
    pub pixels: Vec<u8>,
    /// Square px per frame px.
    pub scale: f32,
    /// The frame's extent in the square (px).
    pub valid: [usize; 2],
}

impl Letterbox {
    /// Area-averaged shrink (box filter over each output pixel's footprint; above 3x only every
    /// `scale / 3`-th source row and column is read: a 1920 px frame costs a quarter of its
    /// pixels, and the result is still free of aliasing at the model's scale). Never enlarges.
    pub fn of(img: &RgbImage, side: usize) -> Letterbox {
        let (w, h) = (img.width() as usize, img.height() as usize);
        let side = side.max(1);
        let mut pixels = vec![0u8; side * side * 3];
        if w == 0 || h == 0 {
            return Letterbox { side, pixels, scale: 1.0, valid: [0, 0] };
        }
        let scale = (side as f32 / w.max(h) as f32).min(1.0);
        let (vw, vh) = (((w as f32 * scale).round() as usize).clamp(1, side), ((h as f32 * scale).round() as usize).clamp(1, side));
        let (kx, ky) = (w as f32 / vw as f32, h as f32 / vh as f32);
        let step = ((kx.min(ky) / 3.0) as usize).max(1);
        let raw = img.as_raw();
        let mut acc = vec![0u32; vw * 3];
        let mut count = vec![0u32; vw];
        let xs: Vec<(usize, usize)> = (0..vw).map(|x| ((x as f32 * kx) as usize, (((x + 1) as f32 * kx) as usize).clamp((x as f32 * kx) as usize + 1, w))).collect();
        for y in 0..vh {
            let (y0, y1) = ((y as f32 * ky) as usize, (((y + 1) as f32 * ky) as usize).clamp((y as f32 * ky) as usize + 1, h));
            acc.iter_mut().for_each(|v| *v = 0);
            count.iter_mut().for_each(|v| *v = 0);
            for sy in (y0..y1).step_by(step) {
                let row = &raw[sy * w * 3..(sy + 1) * w * 3];
                for (x, &(x0, x1)) in xs.iter().enumerate() {
                    let (mut r, mut g, mut b, mut n) = (0u32, 0u32, 0u32, 0u32);
                    for sx in (x0..x1).step_by(step) {
                        let i = sx * 3;
                        r += row[i] as u32;
                        g += row[i + 1] as u32;
                        b += row[i + 2] as u32;
                        n += 1;
                    }
                    acc[x * 3] += r;
                    acc[x * 3 + 1] += g;
                    acc[x * 3 + 2] += b;
                    count[x] += n;
                }
            }
            let out = &mut pixels[y * side * 3..];
            for x in 0..vw {
                let n = count[x].max(1);
                for c in 0..3 {
                    out[x * 3 + c] = ((acc[x * 3 + c] + n / 2) / n) as u8;
                }
            }
        }
        Letterbox { side, pixels, scale, valid: [vw, vh] }
    }

    /// NCHW planar floats, (v - 127.5) / 127.5 per channel (the model's normalisation).
    pub fn to_input(&self) -> Vec<f32> {
        let n = self.side * self.side;
        let mut out = vec![0f32; 3 * n];
        for (i, p) in self.pixels.chunks_exact(3).enumerate() {
            for c in 0..3 {
                out[c * n + i] = (p[c] as f32 - 127.5) / 127.5;
            }
        }
        out
    }
}

// ---------------------------------------------------------------------------------------------
// The model's maps -> a quadrilateral.
// ---------------------------------------------------------------------------------------------

/// What the model says of one square: the document's mask and corner maps (`cells` x `cells`,
/// probabilities) and its presence score.
#[derive(Debug, Clone)]
pub struct FinderMaps {
    pub cells: usize,
    pub mask: Vec<f32>,
    pub corners: Vec<f32>,
    pub presence: f32,
}

impl FinderMaps {
    /// From the model's two outputs (`maps` [1, 2, c, c], `presence` [1, 1]); `None` when they
    /// do not have that shape.
    pub fn from_outputs(outputs: &[Vec<f32>]) -> Option<FinderMaps> {
        let (maps, presence) = (outputs.first()?, outputs.get(1)?.first()?);
        let cells = ((maps.len() / 2) as f64).sqrt() as usize;
        if cells == 0 || 2 * cells * cells != maps.len() || !presence.is_finite() {
            return None;
        }
        let (mask, corners) = maps.split_at(cells * cells);
        Some(FinderMaps { cells, mask: mask.to_vec(), corners: corners.to_vec(), presence: *presence })
    }
}

/// The document's quadrilateral in square px (TL, TR, BR, BL in image order, not as read);
/// `None` under `min_cells` mask cells. `valid`: the frame's extent in the square (px);
/// `cell`: square px per map cell.
pub fn quad_from_maps(m: &FinderMaps, valid: [usize; 2], cell: f32, min_cells: usize) -> Option<[[f32; 2]; 4]> {
    let c = m.cells;
    let (vw, vh) = ((valid[0] as f32 / cell).ceil() as usize, (valid[1] as f32 / cell).ceil() as usize);
    let (vw, vh) = (vw.min(c), vh.min(c));
    let on = |x: usize, y: usize| x < vw && y < vh && m.mask.get(y * c + x).copied().unwrap_or(0.0) >= 0.5;
    let component = largest_component(c, vw, vh, &on)?;
    if component.len() < min_cells {
        return None;
    }
    let inside: std::collections::HashSet<usize> = component.iter().copied().collect();
    let at = |x: i64, y: i64| -> f32 {
        if x < 0 || y < 0 || x as usize >= vw || y as usize >= vh {
            return 0.0;
        }
        m.mask.get(y as usize * c + x as usize).copied().unwrap_or(0.0)
    };
    // Sub-cell boundary points: where the mask crosses 0.5 between a cell of the component and
    // its outside neighbour; on the frame's edge, the edge itself.
    let (fw, fh) = (valid[0] as f32 / cell, valid[1] as f32 / cell);
    let mut points: Vec<[f32; 2]> = Vec::new();
    for &i in &component {
        let (x, y) = ((i % c) as i64, (i / c) as i64);
        for (dx, dy) in [(-1i64, 0i64), (1, 0), (0, -1), (0, 1)] {
            let (nx, ny) = (x + dx, y + dy);
            let outside_frame = nx < 0 || ny < 0 || nx as usize >= vw || ny as usize >= vh;
            if !outside_frame && inside.contains(&(ny as usize * c + nx as usize)) {
                continue;
            }
            let (cx, cy) = (x as f32 + 0.5, y as f32 + 0.5);
            let t = if outside_frame {
                // To the frame's edge: 0.5 cell from the centre, or where the frame ends.
                0.5
            } else {
                let (a, b) = (at(x, y), at(nx, ny));
                ((a - 0.5) / (a - b).max(1e-3)).clamp(0.0, 1.0)
            };
            let p = [(cx + dx as f32 * t).clamp(0.0, fw), (cy + dy as f32 * t).clamp(0.0, fh)];
            // Each crossing spans the cell's side: both of its ends, so the hull is not shrunk
            // by half a cell at the corners.
            let half = [0.5 * dy.abs() as f32, 0.5 * dx.abs() as f32];
            points.push([(p[0] - half[0]).clamp(0.0, fw), (p[1] - half[1]).clamp(0.0, fh)]);
            points.push([(p[0] + half[0]).clamp(0.0, fw), (p[1] + half[1]).clamp(0.0, fh)]);
        }
    }
    let hull = convex_hull(points);
    let quad = best_quad(&hull, [fw, fh])?;
    // Snapping needs the corners apart: on a card a few cells wide the corner map's blobs merge.
    let small = (0..4).any(|i| dist(quad[i], quad[(i + 1) % 4]) < 6.0);
    let quad = if small { quad } else { quad.map(|p| snap_to_corner(m, p, [fw, fh])) };
    Some(quad.map(|p| [p[0] * cell, p[1] * cell]))
}

/// The largest 4-connected set of `on` cells (by count), as indices `y * c + x`.
fn largest_component(c: usize, vw: usize, vh: usize, on: &dyn Fn(usize, usize) -> bool) -> Option<Vec<usize>> {
    let mut seen = vec![false; c * c];
    let mut best: Vec<usize> = Vec::new();
    for y in 0..vh {
        for x in 0..vw {
            if seen[y * c + x] || !on(x, y) {
                continue;
            }
            let mut comp = Vec::new();
            let mut stack = vec![(x, y)];
            seen[y * c + x] = true;
            while let Some((px, py)) = stack.pop() {
                comp.push(py * c + px);
                let mut visit = |nx: usize, ny: usize| {
                    if nx < vw && ny < vh && !seen[ny * c + nx] && on(nx, ny) {
                        seen[ny * c + nx] = true;
                        stack.push((nx, ny));
                    }
                };
                visit(px + 1, py);
                visit(px, py + 1);
                if px > 0 {
                    visit(px - 1, py);
                }
                if py > 0 {
                    visit(px, py - 1);
                }
            }
            if comp.len() > best.len() {
                best = comp;
            }
        }
    }
    (!best.is_empty()).then_some(best)
}

/// Andrew's monotone chain; counter-clockwise in image coordinates' math sense.
pub fn convex_hull(mut p: Vec<[f32; 2]>) -> Vec<[f32; 2]> {
    p.sort_by(|a, b| a[0].total_cmp(&b[0]).then(a[1].total_cmp(&b[1])));
    p.dedup();
    if p.len() < 3 {
        return p;
    }
    let mut hull: Vec<[f32; 2]> = Vec::with_capacity(2 * p.len());
    for pass in 0..2 {
        let start = hull.len();
        let iter: Box<dyn Iterator<Item = &[f32; 2]>> = if pass == 0 { Box::new(p.iter()) } else { Box::new(p.iter().rev()) };
        for &q in iter {
            while hull.len() >= start + 2 && cross(hull[hull.len() - 2], hull[hull.len() - 1], q) <= 0.0 {
                hull.pop();
            }
            hull.push(q);
        }
        hull.pop();
    }
    hull
}

/// Line intersection of a→b and c→d (as infinite lines).
fn intersect(a: [f32; 2], b: [f32; 2], c: [f32; 2], d: [f32; 2]) -> Option<[f32; 2]> {
    let (r, s) = ([b[0] - a[0], b[1] - a[1]], [d[0] - c[0], d[1] - c[1]]);
    let den = r[0] * s[1] - r[1] * s[0];
    if den.abs() < 1e-6 {
        return None;
    }
    let t = ((c[0] - a[0]) * s[1] - (c[1] - a[1]) * s[0]) / den;
    Some([a[0] + t * r[0], a[1] + t * r[1]])
}

/// A convex polygon reduced to four vertices, one step at a time, each the cheapest in area:
/// dropping a vertex (cuts off a sliver: a rounded corner's extra vertices) or collapsing an
/// edge along the frame's border (`frame`: its extent in the polygon's units) into the meeting
/// point of its neighbours (adds a triangle: a corner cut off by the frame comes back, outside
/// it).
pub fn hull_to_quad(mut poly: Vec<[f32; 2]>, frame: [f32; 2]) -> Option<[[f32; 2]; 4]> {
    if poly.len() < 4 {
        return None;
    }
    while poly.len() > 4 {
        let n = poly.len();
        let orient = if (0..n).map(|i| cross([0.0, 0.0], poly[i], poly[(i + 1) % n])).sum::<f32>() >= 0.0 { 1.0 } else { -1.0 };
        let mut best: Option<(f32, usize, Option<[f32; 2]>)> = None;
        for i in 0..n {
            let (prev, cur, next) = (poly[(i + n - 1) % n], poly[i], poly[(i + 1) % n]);
            let drop_cost = cross(prev, cur, next).abs() / 2.0;
            if best.is_none_or(|b| drop_cost < b.0) {
                best = Some((drop_cost, i, None));
            }
            // Edge (i, i+1) collapsed: lines (i-1, i) and (i+2, i+1) meet at x. Only an edge
            // along the frame's border: the document goes on beyond it (a rounded corner or a
            // thumb's bite is dropped vertex by vertex instead, which cannot overshoot).
            let after = poly[(i + 2) % n];
            let on_border = |p: [f32; 2]| p[0] <= 0.6 || p[1] <= 0.6 || p[0] >= frame[0] - 0.6 || p[1] >= frame[1] - 0.6;
            let along_border = on_border(cur) && on_border(next) && ((cur[0] - next[0]).abs() < 0.6 || (cur[1] - next[1]).abs() < 0.6);
            if !along_border {
                continue;
            }
            if let Some(x) = intersect(prev, cur, after, next) {
                // Only outward (beyond the edge, on the side away from the polygon's inside),
                // and not absurdly far (near-parallel neighbours).
                let added = orient * cross(cur, x, next);
                let span = ((cur[0] - next[0]).powi(2) + (cur[1] - next[1]).powi(2)).sqrt();
                let far = ((x[0] - cur[0]).powi(2) + (x[1] - cur[1]).powi(2)).sqrt();
                if added >= 0.0 && far < 2.0 * span.max(1.0) + 4.0 {
                    let cost = added.abs() / 2.0;
                    if best.is_none_or(|b| cost < b.0) {
                        best = Some((cost, i, Some(x)));
                    }
                }
            }
        }
        let (_, i, x) = best?;
        match x {
            None => {
                poly.remove(i);
            }
            Some(x) => {
                let j = (i + 1) % n;
                poly[i] = x;
                poly.remove(j);
            }
        }
    }
    Some(order_image([poly[0], poly[1], poly[2], poly[3]]))
}

fn polygon_area(p: &[[f32; 2]]) -> f32 {
    let n = p.len();
    ((0..n).map(|i| p[i][0] * p[(i + 1) % n][1] - p[(i + 1) % n][0] * p[i][1]).sum::<f32>() / 2.0).abs()
}

/// `subject` clipped by the convex polygon `clip` (Sutherland–Hodgman; either orientation).
fn clip_polygon(subject: &[[f32; 2]], clip: &[[f32; 2]]) -> Vec<[f32; 2]> {
    let n = clip.len();
    let orient: f32 = (0..n).map(|i| clip[i][0] * clip[(i + 1) % n][1] - clip[(i + 1) % n][0] * clip[i][1]).sum();
    let sign = if orient >= 0.0 { 1.0 } else { -1.0 };
    let mut out: Vec<[f32; 2]> = subject.to_vec();
    for i in 0..n {
        if out.is_empty() {
            break;
        }
        let (a, b) = (clip[i], clip[(i + 1) % n]);
        let side = |p: [f32; 2]| sign * cross(a, b, p);
        let input = std::mem::take(&mut out);
        for j in 0..input.len() {
            let (p, q) = (input[j], input[(j + 1) % input.len()]);
            let (sp, sq) = (side(p), side(q));
            if sp >= 0.0 {
                out.push(p);
            }
            if (sp >= 0.0) != (sq >= 0.0) {
                let t = sp / (sp - sq);
                out.push([p[0] + t * (q[0] - p[0]), p[1] + t * (q[1] - p[1])]);
            }
        }
    }
    out
}

/// Jaccard index of a quad (cut to the frame) and the mask's hull.
fn iou_with_hull(q: &[[f32; 2]; 4], hull: &[[f32; 2]], frame: [f32; 2]) -> f32 {
    let f = [[0.0, 0.0], [frame[0], 0.0], [frame[0], frame[1]], [0.0, frame[1]]];
    let seen = clip_polygon(q, &f);
    let inter = clip_polygon(&seen, hull);
    let i = if inter.len() >= 3 { polygon_area(&inter) } else { 0.0 };
    let u = polygon_area(&seen) + polygon_area(hull) - i;
    if u > 0.0 { i / u } else { 0.0 }
}

/// The quad that agrees best with the mask's hull (Jaccard index, inside the frame) of two:
/// the hull reduced to four sides (which brings back corners cut off by the frame) and the
/// largest quad on the hull's own vertices (which a stray bump of the mask cannot pull out).
pub fn best_quad(hull: &[[f32; 2]], frame: [f32; 2]) -> Option<[[f32; 2]; 4]> {
    let reduced = hull_to_quad(hull.to_vec(), frame);
    let inscribed = largest_inscribed_quad(hull);
    let score = |q: &Option<[[f32; 2]; 4]>| q.as_ref().map_or(-1.0, |q| iou_with_hull(q, hull, frame));
    let (a, b) = (score(&reduced), score(&inscribed));
    if a >= b { reduced } else { inscribed }
}

/// The largest-area quadrilateral whose corners are vertices of the convex polygon (the hull
/// thinned to at most 48 vertices first: exhaustive over those).
pub fn largest_inscribed_quad(hull: &[[f32; 2]]) -> Option<[[f32; 2]; 4]> {
    let step = hull.len().div_ceil(48).max(1);
    let v: Vec<[f32; 2]> = hull.iter().step_by(step).copied().collect();
    let n = v.len();
    if n < 4 {
        return None;
    }
    let tri = |a: usize, b: usize, c: usize| cross(v[a], v[b], v[c]).abs() / 2.0;
    let mut best = (0.0f32, [0usize; 4]);
    for a in 0..n {
        for c in a + 2..n {
            // Split by the diagonal a-c: the best b on one side and d on the other.
            let b = (a + 1..c).max_by(|&x, &y| tri(a, x, c).total_cmp(&tri(a, y, c)));
            let d = (c + 1..n).chain(0..a).max_by(|&x, &y| tri(a, x, c).total_cmp(&tri(a, y, c)));
            if let (Some(b), Some(d)) = (b, d) {
                let area = tri(a, b, c) + tri(a, c, d);
                if area > best.0 {
                    best = (area, [a, b, c, d]);
                }
            }
        }
    }
    (best.0 > 0.0).then(|| order_image(best.1.map(|i| v[i])))
}

/// Image order: the corner nearest the top-left first, then clockwise on screen.
fn order_image(mut q: [[f32; 2]; 4]) -> [[f32; 2]; 4] {
    let area: f32 = (0..4).map(|i| q[i][0] * q[(i + 1) % 4][1] - q[(i + 1) % 4][0] * q[i][1]).sum();
    if area < 0.0 {
        q.reverse();
    }
    let first = (0..4).min_by(|&a, &b| (q[a][0] + q[a][1]).total_cmp(&(q[b][0] + q[b][1]))).unwrap_or(0);
    q.rotate_left(first);
    q
}

/// A corner moved to the corner map's peak near it (the mask's hull rounds corners off; the
/// corner map was trained on them): the weighted centre of the map above 0.1 within 2 cells,
/// when its peak there is at least 0.3. Corners outside the frame stay.
fn snap_to_corner(m: &FinderMaps, p: [f32; 2], frame: [f32; 2]) -> [f32; 2] {
    if p[0] < 0.0 || p[1] < 0.0 || p[0] > frame[0] || p[1] > frame[1] {
        return p;
    }
    let c = m.cells as i64;
    let (cx, cy) = (p[0] as i64, p[1] as i64);
    let (mut peak, mut sw, mut sx, mut sy) = (0f32, 0f32, 0f32, 0f32);
    for y in (cy - 2).max(0)..=(cy + 2).min(c - 1) {
        for x in (cx - 2).max(0)..=(cx + 2).min(c - 1) {
            let v = m.corners.get((y * c + x) as usize).copied().unwrap_or(0.0);
            peak = peak.max(v);
            let w = (v - 0.1).max(0.0);
            sw += w;
            sx += w * (x as f32 + 0.5);
            sy += w * (y as f32 + 0.5);
        }
    }
    if peak < 0.3 || sw <= 0.0 {
        return p;
    }
    [sx / sw, sy / sw]
}

// ---------------------------------------------------------------------------------------------
// The finder: model, second look, refinement.
// ---------------------------------------------------------------------------------------------

use crate::constants::{CARD_FINDER_CELL, CARD_FINDER_CROP, CARD_FINDER_MIN_CELLS, CARD_FINDER_MIN_PRESENCE, CARD_FINDER_SECOND_LOOK, CARD_FINDER_SIDE};
use crate::error::Result;
use crate::model::Model;

use super::card::{cross, dist, extend_cut_side, refined_card};
use super::CardQuad;

/// What the finder saw in a frame: its presence score (even when below the bar: the eval's
/// rates) and the card, if any.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    pub presence: f32,
    pub card: Option<CardQuad>,
    /// The model's own quad (frame px, after the second look and a cut side's extension),
    /// before the frame's edges refined it: what the refinement adds is measured against it.
    pub proposal: Option<[[f32; 2]; 4]>,
}

/// The model on one frame: its maps and the letterbox they are of.
fn look(model: &Model, img: &RgbImage) -> Result<(FinderMaps, Letterbox)> {
    let lb = Letterbox::of(img, CARD_FINDER_SIDE);
    let out = model.run(lb.to_input())?;
    let maps = FinderMaps::from_outputs(&out).ok_or_else(|| crate::error::Error::inference("card_finder", "unexpected output shapes"))?;
    Ok((maps, lb))
}

/// The coarse quad in frame px from one look (None: no document).
fn coarse(maps: &FinderMaps, lb: &Letterbox) -> Option<[[f32; 2]; 4]> {
    if maps.presence < CARD_FINDER_MIN_PRESENCE {
        return None;
    }
    let q = quad_from_maps(maps, lb.valid, CARD_FINDER_CELL, CARD_FINDER_MIN_CELLS)?;
    Some(q.map(|p| [p[0] / lb.scale, p[1] / lb.scale]))
}

fn bounds(q: &[[f32; 2]; 4]) -> [f32; 4] {
    let xs = q.map(|p| p[0]);
    let ys = q.map(|p| p[1]);
    [xs.iter().copied().fold(f32::MAX, f32::min), ys.iter().copied().fold(f32::MAX, f32::min), xs.iter().copied().fold(f32::MIN, f32::max), ys.iter().copied().fold(f32::MIN, f32::max)]
}

/// A copy of `img`'s region `[x0, y0, x0 + w, y0 + h)` (inside the image).
fn crop(img: &RgbImage, x0: usize, y0: usize, w: usize, h: usize) -> Option<RgbImage> {
    let (iw, ih) = (img.width() as usize, img.height() as usize);
    if w == 0 || h == 0 || x0 + w > iw || y0 + h > ih {
        return None;
    }
    let raw = img.as_raw();
    let mut out = Vec::with_capacity(w * h * 3);
    for y in y0..y0 + h {
        out.extend_from_slice(raw.get((y * iw + x0) * 3..(y * iw + x0 + w) * 3)?);
    }
    RgbImage::from_raw(w as u32, h as u32, out)
}

/// A small card looked at again on a crop around it: the crop's quad (frame px) when the
/// model finds the document there too.
/// Returns the crop's quad and the crop's side (frame px).
fn second_look(model: &Model, img: &RgbImage, q: &[[f32; 2]; 4]) -> Result<Option<([[f32; 2]; 4], f32)>> {
    let (w, h) = (img.width() as f32, img.height() as f32);
    let b = bounds(q);
    let side = ((b[2] - b[0]).max(b[3] - b[1]) * CARD_FINDER_CROP).max(CARD_FINDER_SIDE as f32);
    let (cw, ch) = (side.min(w), side.min(h));
    let centre = [(b[0] + b[2]) / 2.0, (b[1] + b[3]) / 2.0];
    let x0 = (centre[0] - cw / 2.0).clamp(0.0, w - cw).floor();
    let y0 = (centre[1] - ch / 2.0).clamp(0.0, h - ch).floor();
    let Some(part) = crop(img, x0 as usize, y0 as usize, cw as usize, ch as usize) else { return Ok(None) };
    let (maps, lb) = look(model, &part)?;
    let found = coarse(&maps, &lb).map(|q2| q2.map(|p| [p[0] + x0, p[1] + y0])).filter(|q2| {
        // The same card: its centre inside the first look's box (grown by half).
        let c = [q2.iter().map(|p| p[0]).sum::<f32>() / 4.0, q2.iter().map(|p| p[1]).sum::<f32>() / 4.0];
        let (gx, gy) = ((b[2] - b[0]) / 2.0, (b[3] - b[1]) / 2.0);
        c[0] >= b[0] - gx && c[0] <= b[2] + gx && c[1] >= b[1] - gy && c[1] <= b[3] + gy
    });
    Ok(found.map(|q2| (q2, cw.max(ch))))
}

/// Finds the document in a frame with the learned finder: the model proposes (presence, mask,
/// corners), a small card gets a second look on a crop, a side cut by the frame's edge is
/// extended to the card's aspect, and the sides are refined on the frame's own edges near the
/// model's (docs/document.md). `card: None` whenever the model says there is no document.
pub fn find_document(model: &Model, img: &RgbImage) -> Result<Finding> {
    if img.width() < 32 || img.height() < 32 {
        return Ok(Finding { presence: 0.0, card: None, proposal: None });
    }
    let (maps, lb) = look(model, img)?;
    let Some(mut q) = coarse(&maps, &lb) else { return Ok(Finding { presence: maps.presence, card: None, proposal: None }) };
    let (w, h) = (img.width() as f32, img.height() as f32);
    let b = bounds(&q);
    let mut cell_px = CARD_FINDER_CELL / lb.scale;
    if (b[2] - b[0]).max(b[3] - b[1]) < CARD_FINDER_SECOND_LOOK * w.max(h) {
        if let Some((q2, side)) = second_look(model, img, &q)? {
            // The crop is letterboxed like a frame: a cell is side / CARD_FINDER_SIDE of its px.
            cell_px = CARD_FINDER_CELL * side / CARD_FINDER_SIDE as f32;
            q = q2;
        }
    }
    let q = extend_cut_side(&q, [w, h], 1.5 * cell_px);
    // Reach: the model's corners are within about a cell; never under 3 px.
    let reach = (1.5 * cell_px).max(3.0);
    let first = refined_card(img, &q, reach, maps.presence);
    let card = refined_card(img, &first.corners, 3.0, maps.presence);
    Ok(Finding { presence: maps.presence, card: Some(card), proposal: Some(q) })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn maps_of(f: impl Fn(f32, f32) -> bool) -> FinderMaps {
        let cells = 64;
        let mask = (0..cells * cells).map(|i| if f((i % cells) as f32 + 0.5, (i / cells) as f32 + 0.5) { 1.0 } else { 0.0 }).collect();
        FinderMaps { cells, mask, corners: vec![0.0; cells * cells], presence: 1.0 }
    }

    #[test]
    fn a_rectangular_mask_gives_its_corners() {
        let m = maps_of(|x, y| (10.0..40.0).contains(&x) && (20.0..39.0).contains(&y));
        let q = quad_from_maps(&m, [256, 256], 4.0, 6).expect("quad");
        let want = [[40.0, 80.0], [160.0, 80.0], [160.0, 156.0], [40.0, 156.0]];
        for (a, b) in q.iter().zip(want) {
            assert!(dist(*a, b) < 2.5, "{q:?}");
        }
    }

    #[test]
    fn a_corner_cut_by_the_frame_is_estimated_outside_it() {
        // A square turned by 45° whose right corner is beyond the frame's right edge (x = 48).
        let m = maps_of(|x, y| (x - 36.0).abs() + (y - 30.0).abs() <= 16.0);
        let q = quad_from_maps(&m, [192, 256], 4.0, 6).expect("quad");
        let right = q.iter().map(|p| p[0]).fold(f32::MIN, f32::max);
        assert!(right > 192.0 + 8.0, "the cut corner was not brought back: {q:?}");
        assert!((right - 208.0).abs() < 8.0, "{q:?}");
    }

    #[test]
    fn tiny_or_empty_masks_and_odd_images_give_nothing() {
        assert!(quad_from_maps(&maps_of(|_, _| false), [256, 256], 4.0, 6).is_none());
        assert!(quad_from_maps(&maps_of(|x, y| x < 2.0 && y < 2.0), [256, 256], 4.0, 6).is_none());
        assert!(FinderMaps::from_outputs(&[vec![0.0; 7], vec![0.5]]).is_none());
        assert!(FinderMaps::from_outputs(&[]).is_none());
        let one = RgbImage::from_raw(1, 1, vec![200, 100, 50]).expect("1x1");
        let lb = Letterbox::of(&one, 256);
        assert_eq!((lb.valid, lb.pixels[..3].to_vec()), ([1, 1], vec![200, 100, 50]));
    }

    #[test]
    fn the_letterbox_averages_and_keeps_the_aspect() {
        let img = RgbImage::from_raw(512, 256, (0..512 * 256).flat_map(|i| if (i % 512) % 2 == 0 { [255, 0, 0] } else { [0, 0, 255] }).collect()).expect("img");
        let lb = Letterbox::of(&img, 256);
        assert_eq!(lb.valid, [256, 128]);
        assert!((lb.scale - 0.5).abs() < 1e-6);
        assert_eq!(&lb.pixels[..3], &[128, 0, 128]);
        assert_eq!(&lb.pixels[128 * 256 * 3..128 * 256 * 3 + 3], &[0, 0, 0], "padding below the frame");
    }
}
