//! Head pose (yaw, pitch, roll in degrees) from the 68 landmarks: a scaled-orthographic fit of
//! a generic 3D head (docs/pipeline.md §6.3). No model run; a mirrored face gives opposite yaw
//! and roll and the same pitch, by construction.
//!
//! Signs: yaw > 0 when the face turns toward the image's right, pitch > 0 when it looks up,
//! roll > 0 when it is rotated clockwise in the image.

use crate::constants::MEAN_FACE_3D;
use crate::landmarks::Landmarks68;

/// Yaw, pitch and roll in degrees; `None` when the landmarks are degenerate.
pub fn head_pose(lm: &Landmarks68) -> Option<[f32; 3]> {
    let n = MEAN_FACE_3D.len() as f64;
    let model: Vec<[f64; 3]> = MEAN_FACE_3D.iter().map(|(_, p)| p.map(f64::from)).collect();
    let image: Vec<[f64; 2]> = MEAN_FACE_3D
        .iter()
        .map(|(i, _)| {
            let p = lm.get(*i);
            [p.x as f64, p.y as f64]
        })
        .collect();
    let m_mean = [0, 1, 2].map(|k| model.iter().map(|p| p[k]).sum::<f64>() / n);
    let i_mean = [0, 1].map(|k| image.iter().map(|p| p[k]).sum::<f64>() / n);
    // Normal equations of p2 = A · P3: A = (Σ p2 P3ᵀ) (Σ P3 P3ᵀ)⁻¹.
    let mut xtx = [[0.0f64; 3]; 3];
    let mut ytx = [[0.0f64; 3]; 2];
    for (p3, p2) in model.iter().zip(&image) {
        let x = [p3[0] - m_mean[0], p3[1] - m_mean[1], p3[2] - m_mean[2]];
        let y = [p2[0] - i_mean[0], p2[1] - i_mean[1]];
        for r in 0..3 {
            for c in 0..3 {
                xtx[r][c] += x[r] * x[c];
            }
        }
        for r in 0..2 {
            for c in 0..3 {
                ytx[r][c] += y[r] * x[c];
            }
        }
    }
    let inv = inverse3(&xtx)?;
    let a = [0, 1].map(|r| [0, 1, 2].map(|c| (0..3).map(|k| ytx[r][k] * inv[k][c]).sum::<f64>()));
    let r1 = normalize(a[0])?;
    let r2 = normalize(a[1])?;
    let r3 = normalize(cross(r1, r2))?;
    let rot = nearest_rotation([r1, r2, r3])?;
    let beta = (-rot[2][0]).clamp(-1.0, 1.0).asin();
    let alpha = rot[2][1].atan2(rot[2][2]);
    let gamma = rot[1][0].atan2(rot[0][0]);
    let deg = |r: f64| r.to_degrees() as f32;
    Some([deg(-beta), deg(-alpha), deg(gamma)])
}

type M3 = [[f64; 3]; 3];

fn cross(a: [f64; 3], b: [f64; 3]) -> [f64; 3] {
    [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]]
}

fn normalize(v: [f64; 3]) -> Option<[f64; 3]> {
    let n = (v[0] * v[0] + v[1] * v[1] + v[2] * v[2]).sqrt();
    (n > 1e-12 && n.is_finite()).then(|| v.map(|x| x / n))
}

fn det3(m: &M3) -> f64 {
    m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1]) - m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0])
        + m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0])
}

fn inverse3(m: &M3) -> Option<M3> {
    let d = det3(m);
    if d.abs() < 1e-12 || !d.is_finite() {
        return None;
    }
    let c = |r0: usize, c0: usize, r1: usize, c1: usize| m[r0][c0] * m[r1][c1] - m[r0][c1] * m[r1][c0];
    Some([
        [c(1, 1, 2, 2) / d, -c(0, 1, 2, 2) / d, c(0, 1, 1, 2) / d],
        [-c(1, 0, 2, 2) / d, c(0, 0, 2, 2) / d, -c(0, 0, 1, 2) / d],
        [c(1, 0, 2, 1) / d, -c(0, 0, 2, 1) / d, c(0, 0, 1, 1) / d],
    ])
}

/// The rotation closest to `m` (the orthogonal polar factor, equal to U·Vᵀ of its SVD), by
/// Newton's iteration `R ← (R + R⁻ᵀ) / 2`, which converges quadratically for det(m) > 0.
fn nearest_rotation(m: M3) -> Option<M3> {
    if det3(&m) <= 0.0 {
        return None;
    }
    let mut r = m;
    for _ in 0..30 {
        let inv = inverse3(&r)?;
        let next: M3 = [0, 1, 2].map(|i| [0, 1, 2].map(|j| 0.5 * (r[i][j] + inv[j][i])));
        let delta: f64 = (0..9).map(|k| (next[k / 3][k % 3] - r[k / 3][k % 3]).abs()).sum();
        r = next;
        if delta < 1e-12 {
            break;
        }
    }
    Some(r)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::landmarks::Point;

    /// Projects the head model rotated by (yaw, pitch, roll) orthographically into landmarks.
    fn project(yaw: f64, pitch: f64, roll: f64) -> Landmarks68 {
        let (b, a, g) = (-yaw.to_radians(), -pitch.to_radians(), roll.to_radians());
        let rx: M3 = [[1.0, 0.0, 0.0], [0.0, a.cos(), -a.sin()], [0.0, a.sin(), a.cos()]];
        let ry: M3 = [[b.cos(), 0.0, b.sin()], [0.0, 1.0, 0.0], [-b.sin(), 0.0, b.cos()]];
        let rz: M3 = [[g.cos(), -g.sin(), 0.0], [g.sin(), g.cos(), 0.0], [0.0, 0.0, 1.0]];
        let mul = |p: &M3, q: &M3| -> M3 { [0, 1, 2].map(|i| [0, 1, 2].map(|j| (0..3).map(|k| p[i][k] * q[k][j]).sum())) };
        let r = mul(&rz, &mul(&ry, &rx));
        let mut pts = vec![Point::new(0.0, 0.0); 68];
        for (i, p) in MEAN_FACE_3D {
            let p = p.map(f64::from);
            let x = (0..3).map(|k| r[0][k] * p[k]).sum::<f64>() * 0.3 + 200.0;
            let y = (0..3).map(|k| r[1][k] * p[k]).sum::<f64>() * 0.3 + 150.0;
            pts[i] = Point::new(x as f32, y as f32);
        }
        Landmarks68(pts)
    }

    #[test]
    fn recovers_synthetic_poses_with_documented_signs() {
        for (yaw, pitch, roll) in [(0.0, 0.0, 0.0), (25.0, 0.0, 0.0), (0.0, 15.0, 0.0), (0.0, 0.0, -20.0), (-30.0, 10.0, 12.0)] {
            let got = head_pose(&project(yaw, pitch, roll)).expect("pose");
            for (g, t) in got.iter().zip([yaw, pitch, roll]) {
                assert!((*g as f64 - t).abs() < 0.1, "got {got:?} for {:?}", (yaw, pitch, roll));
            }
        }
    }

    #[test]
    fn a_face_turned_toward_the_image_right_has_positive_yaw() {
        // Turning toward +x moves the nose tip (closest to the camera) right of the eye midline.
        let lm = project(20.0, 0.0, 0.0);
        let eyes_mid = (lm.get(36).x + lm.get(45).x) / 2.0;
        assert!(lm.get(30).x > eyes_mid);
    }

    #[test]
    fn degenerate_landmarks_give_none() {
        assert!(head_pose(&Landmarks68(vec![Point::new(1.0, 1.0); 68])).is_none());
    }
}
