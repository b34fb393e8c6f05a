//! Fingers, hands and arms for the scenes (scenes.rs). A finger alone over a card's edge was the
//! only skin the generator drew, and only where there was a card: the model learned "skin next
//! to something pale is a card" and gave a card on a real photo's shirt cuff beside a hand. So
//! whole arms — sleeve, cuff, palm, fingers and thumb — appear with and without a document:
//! holding cards, holding phones and prints, and crossed in front of people.
#![allow(dead_code)]

use super::cards::{FrameBuf, Rng};

pub type Quad = [[f32; 2]; 4];

const SKIN: [[f32; 3]; 4] = [[235.0, 190.0, 160.0], [205.0, 150.0, 115.0], [160.0, 110.0, 80.0], [105.0, 70.0, 50.0]];

fn skin(rng: &mut Rng) -> [f32; 3] {
    let tone = SKIN[rng.below(SKIN.len())];
    tone.map(|v| v * rng.range(0.9, 1.1))
}

/// A rounded stroke from `from` to `to`: a finger, a palm, a sleeve.
#[derive(Debug, Clone)]
pub struct Capsule {
    pub from: [f32; 2],
    pub to: [f32; 2],
    pub radius: f32,
    pub colour: [f32; 3],
}

impl Capsule {
    pub fn draw(&self, f: &mut FrameBuf) {
        let r = self.radius;
        let (x0, x1) = ((self.from[0].min(self.to[0]) - r - 1.0).max(0.0) as usize, ((self.from[0].max(self.to[0]) + r + 1.0).max(0.0) as usize).min(f.w));
        let (y0, y1) = ((self.from[1].min(self.to[1]) - r - 1.0).max(0.0) as usize, ((self.from[1].max(self.to[1]) + r + 1.0).max(0.0) as usize).min(f.h));
        let d = [self.to[0] - self.from[0], self.to[1] - self.from[1]];
        let dd = (d[0] * d[0] + d[1] * d[1]).max(1e-6);
        for y in y0..y1 {
            for x in x0..x1 {
                let p = [x as f32 + 0.5 - self.from[0], y as f32 + 0.5 - self.from[1]];
                let t = ((p[0] * d[0] + p[1] * d[1]) / dd).clamp(0.0, 1.0);
                let q = [p[0] - t * d[0], p[1] - t * d[1]];
                let dist = q[0].hypot(q[1]);
                let cov = (r + 0.5 - dist).clamp(0.0, 1.0);
                if cov <= 0.0 {
                    continue;
                }
                // Round: darker toward the sides.
                let shade = 0.7 + 0.3 * (1.0 - (dist / r).powi(2)).max(0.0).sqrt();
                let i = (y * f.w + x) * 3;
                if let Some(px) = f.px.get_mut(i..i + 3) {
                    for c in 0..3 {
                        px[c] += (self.colour[c] * shade - px[c]) * cov;
                    }
                }
            }
        }
    }
}

/// A finger or thumb over the card's edge: a capsule from outside the card to a little way in.
pub fn finger(rng: &mut Rng, card: &Quad) -> Capsule {
    let side = rng.below(4);
    let (a, b) = (card[side], card[(side + 1) % 4]);
    // Near a corner half the time (a thumb holding the card there).
    let t = if rng.chance(0.5) { rng.range(0.02, 0.2) } else { rng.range(0.2, 0.8) };
    let t = if rng.chance(0.5) { t } else { 1.0 - t };
    let on = [a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1])];
    let c = centre(card);
    let inward = [c[0] - on[0], c[1] - on[1]];
    let len = inward[0].hypot(inward[1]).max(1.0);
    let n = [inward[0] / len, inward[1] / len];
    let side_len = (b[0] - a[0]).hypot(b[1] - a[1]);
    let short = (card[1][0] - card[2][0]).hypot(card[1][1] - card[2][1]).min(side_len);
    let radius = short * rng.range(0.1, 0.17);
    let depth = short * rng.range(0.05, 0.3);
    let swing = rng.range(-0.5, 0.5);
    let dir = [n[0] * swing.cos() - n[1] * swing.sin(), n[0] * swing.sin() + n[1] * swing.cos()];
    let reach = short * rng.range(0.8, 2.0);
    let skin = skin(rng);
    Capsule { from: [on[0] - dir[0] * reach, on[1] - dir[1] * reach], to: [on[0] + dir[0] * depth, on[1] + dir[1] * depth], radius, colour: skin }
}

/// An arm ending in a hand: a sleeve, a shirt cuff half the time (white or pale: the thing the
/// model took for a card), the palm, four fingers and a thumb.
pub struct Arm {
    parts: Vec<Capsule>,
}

impl Arm {
    /// The hand's fingertips at `tip`, the arm coming from the side opposite `dir` (a unit
    /// vector from wrist to fingertips); `r` is a finger's radius.
    pub fn reaching(rng: &mut Rng, tip: [f32; 2], dir: [f32; 2], r: f32) -> Arm {
        let n = [-dir[1], dir[0]];
        let at = |base: [f32; 2], along: f32, across: f32| [base[0] + dir[0] * along + n[0] * across, base[1] + dir[1] * along + n[1] * across];
        let skin = skin(rng);
        let knuckles = at(tip, -rng.range(4.5, 6.5) * r, 0.0);
        let wrist = at(knuckles, -rng.range(3.0, 4.0) * r, 0.0);
        let cloths = [[30.0, 32.0, 40.0], [20.0, 20.0, 22.0], [90.0, 90.0, 95.0], [60.0, 40.0, 30.0], [150.0, 30.0, 35.0], [40.0, 70.0, 130.0], [200.0, 200.0, 195.0], [110.0, 130.0, 90.0]];
        let cloth = cloths[rng.below(cloths.len())].map(|v| v * rng.range(0.85, 1.15));
        let mut parts = Vec::new();
        let elbow = at(wrist, -rng.range(20.0, 45.0) * r, rng.range(-6.0, 6.0) * r);
        parts.push(Capsule { from: elbow, to: at(wrist, -1.5 * r, 0.0), radius: r * rng.range(3.8, 5.0), colour: cloth });
        if rng.chance(0.5) {
            let shirts = [[245.0, 245.0, 240.0], [225.0, 232.0, 245.0], [235.0, 225.0, 200.0], [250.0, 250.0, 250.0]];
            let shirt = shirts[rng.below(shirts.len())].map(|v| v * rng.range(0.9, 1.0));
            parts.push(Capsule { from: at(wrist, -rng.range(2.0, 3.5) * r, 0.0), to: at(wrist, -0.3 * r, 0.0), radius: r * rng.range(3.2, 3.8), colour: shirt });
        }
        let w = rng.range(3.2, 3.8) * r;
        parts.push(Capsule { from: wrist, to: at(knuckles, -0.5 * r, 0.0), radius: w, colour: skin.map(|v| v * 0.97) });
        // Fingers curl as often as they stretch: a fist is a short, wide hand.
        let stretch = if rng.chance(0.35) { rng.range(0.3, 0.5) } else { 1.0 };
        for (k, len) in [(-1.5f32, 0.8f32), (-0.5, 1.0), (0.5, 0.95), (1.5, 0.75)] {
            let base = at(knuckles, 0.0, k * 1.9 * r);
            parts.push(Capsule { from: base, to: at(base, len * stretch * rng.range(4.0, 5.5) * r, rng.range(-0.4, 0.4) * r), radius: r * rng.range(0.9, 1.05), colour: skin });
        }
        let side = if rng.chance(0.5) { 1.0 } else { -1.0 };
        let root = at(wrist, 1.0 * r, side * 2.5 * r);
        parts.push(Capsule { from: root, to: at(root, rng.range(3.0, 5.0) * r, side * rng.range(1.0, 3.0) * r), radius: r * 1.15, colour: skin });
        Arm { parts }
    }

    /// An arm whose hand holds the quad `q` (a card, a phone, a print) at one of its edges.
    pub fn holding(rng: &mut Rng, q: &Quad) -> Arm {
        let side = rng.below(4);
        let (a, b) = (q[side], q[(side + 1) % 4]);
        let t = rng.range(0.15, 0.85);
        let on = [a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1])];
        let c = centre(q);
        let len = (c[0] - on[0]).hypot(c[1] - on[1]).max(1.0);
        let inward = [(c[0] - on[0]) / len, (c[1] - on[1]) / len];
        let short = (q[0][0] - q[1][0]).hypot(q[0][1] - q[1][1]).min((q[1][0] - q[2][0]).hypot(q[1][1] - q[2][1]));
        let r = short * rng.range(0.06, 0.11);
        let swing = rng.range(-0.6, 0.6);
        let dir = [inward[0] * swing.cos() - inward[1] * swing.sin(), inward[0] * swing.sin() + inward[1] * swing.cos()];
        let depth = short * rng.range(0.03, 0.2);
        Arm::reaching(rng, [on[0] + dir[0] * depth, on[1] + dir[1] * depth], dir, r)
    }

    /// An arm in a photo of people (crossed, resting, waving): anywhere, any direction, its
    /// finger 1.5–4.5 % of the frame's short side.
    pub fn anywhere(rng: &mut Rng, w: f32, h: f32) -> Arm {
        let tip = [rng.range(0.05, 0.95) * w, rng.range(0.25, 1.0) * h];
        let a = rng.range(0.0, std::f32::consts::TAU);
        let r = w.min(h) * rng.range(0.015, 0.045);
        Arm::reaching(rng, tip, [a.cos(), a.sin()], r)
    }

    pub fn draw(&self, f: &mut FrameBuf) {
        self.parts.iter().for_each(|p| p.draw(f));
    }
}

fn centre(q: &Quad) -> [f32; 2] {
    [q.iter().map(|p| p[0]).sum::<f32>() / 4.0, q.iter().map(|p| p[1]).sum::<f32>() / 4.0]
}
