//! The per-frame fast path for a camera: `detect_for_video` (MediaPipe's name and contract).
//!
//! A [`VideoTracker`] carries what one frame leaves for the next. When the last frame had a
//! face, the landmark model is run on the last box in the new frame and the box is carried
//! along with the landmarks (a face moves a few pixels between frames, and the landmark model
//! is trained on loosely placed crops); the full-frame detector runs only on the first frame,
//! after a loss, and every [`VideoOptions::redetect_every`] frames, which is also when a second
//! person entering the view is seen. Frames with nobody in view run the detector once, with no
//! padded retry (see [`crate::detect::detect_frame`]), so they cost no more than a frame with a
//! face. Faces far smaller than the main one (a poster, a false detection in the background)
//! are not analysed; they are counted in `ignored_faces`.

use serde::{Deserialize, Serialize};

use crate::constants::{SECONDARY_FACE_MIN_RATIO, TRACK_MAX_SCALE_CHANGE, TRACK_MAX_SHIFT};
use crate::detect::{detect_frame, DetectOptions, Detection};
use crate::error::{Error, Result};
use crate::face::Face;
use crate::landmarks::{landmarks, Landmarks68, Point};
use crate::pipeline::{AnalyzeOptions, Likeness};
use crate::raster::{luma, RgbImage};

/// Options of [`Likeness::detect_for_video`]: `analyze`'s, with the embedding off by default.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct VideoOptions {
    pub analyze: AnalyzeOptions,
    /// Track the face between frames (default true); false runs the detector on every frame.
    pub tracking: bool,
    /// Run the full-frame detector at least every this many frames while tracking (default 10).
    pub redetect_every: u32,
}

impl Default for VideoOptions {
    fn default() -> Self {
        VideoOptions {
            analyze: AnalyzeOptions { embedding: false, ..AnalyzeOptions::default() },
            tracking: true,
            redetect_every: 10,
        }
    }
}

/// How a frame's face was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FrameMethod {
    /// The full-frame detector ran.
    Detected,
    /// The face was followed from the previous frame; the detector did not run.
    Tracked,
}

/// One analysed video frame: `analyze`'s fields plus how the face was found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VideoFrame {
    pub width: u32,
    pub height: u32,
    pub timestamp_ms: f64,
    pub method: FrameMethod,
    /// Largest first. Only faces at least [`SECONDARY_FACE_MIN_RATIO`] of the main face's height.
    pub faces: Vec<Face>,
    /// Detections too small beside the main face to be a second person in front of the camera.
    pub ignored_faces: usize,
    /// The darker cheek's mean luma over the brighter one's (1 = even light), for the main face.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub light_balance: Option<f32>,
}

/// What one frame leaves for the next.
#[derive(Debug, Clone, Default)]
pub struct VideoTracker {
    last_timestamp: Option<f64>,
    track: Option<Track>,
    frames_since_detect: u32,
}

/// The main face of the last frame: its box and where the box sits relative to its landmarks.
#[derive(Debug, Clone)]
struct Track {
    det: Detection,
    anchor: Anchor,
}

/// A box expressed in its landmarks' frame: offsets and size in units of the landmarks' spread,
/// so the box can be rebuilt from the landmarks of a later frame.
#[derive(Debug, Clone, Copy)]
struct Anchor {
    centre: Point,
    spread: f32,
}

impl Anchor {
    fn of(lm: &Landmarks68) -> Option<Anchor> {
        let centre = Point::mean(&lm.0);
        let spread = (lm.0.iter().map(|p| p.distance(&centre).powi(2)).sum::<f32>() / lm.0.len().max(1) as f32).sqrt();
        (spread.is_finite() && spread > 0.0 && centre.x.is_finite() && centre.y.is_finite()).then_some(Anchor { centre, spread })
    }
}

impl VideoTracker {
    pub fn new() -> VideoTracker {
        VideoTracker::default()
    }

    /// Forgets the face (the next frame runs the detector) and the last timestamp.
    pub fn reset(&mut self) {
        *self = VideoTracker::default();
    }

    fn accept_timestamp(&self, timestamp_ms: f64) -> Result<()> {
        if !timestamp_ms.is_finite() {
            return Err(Error::invalid_argument(format!("timestampMs must be a finite number, got {timestamp_ms}")));
        }
        match self.last_timestamp {
            Some(last) if timestamp_ms <= last => Err(Error::invalid_argument(format!(
                "timestampMs must increase from frame to frame: got {timestamp_ms} after {last}"
            ))),
            _ => Ok(()),
        }
    }
}

impl Likeness {
    /// Analyses one camera frame. Timestamps must increase; a frame whose timestamp does not is
    /// refused with `INVALID_ARGUMENT` and changes nothing, so the next good frame works.
    pub fn detect_for_video(
        &self,
        tracker: &mut VideoTracker,
        img: &RgbImage,
        timestamp_ms: f64,
        opts: &VideoOptions,
    ) -> Result<VideoFrame> {
        tracker.accept_timestamp(timestamp_ms)?;
        opts.analyze.detect.validate()?;
        if opts.analyze.liveness && self.models.liveness.is_none() {
            return Err(Error::invalid_argument("liveness was asked for but the liveness model is not loaded"));
        }
        let tracked = match (&tracker.track, opts.tracking && tracker.frames_since_detect + 1 < opts.redetect_every.max(1)) {
            (Some(track), true) => self.follow(img, track)?,
            _ => None,
        };
        let (method, mut found) = match tracked {
            Some(face) => (FrameMethod::Tracked, vec![face]),
            None => (FrameMethod::Detected, self.detect_main_faces(img, &opts.analyze.detect)?),
        };
        let ignored = match method {
            FrameMethod::Detected => found.len() - keep_comparable(&mut found),
            FrameMethod::Tracked => 0,
        };
        let mut faces = Vec::with_capacity(found.len());
        let mut anchor = None;
        for (i, (det, lm)) in found.into_iter().enumerate() {
            if i == 0 {
                anchor = Anchor::of(&lm).map(|a| (det, a));
            }
            faces.push(self.analyze_landmarks(img, &det, lm, &opts.analyze)?);
        }
        let light_balance = faces.first().map(|f| light_balance(img, f));
        tracker.last_timestamp = Some(timestamp_ms);
        tracker.frames_since_detect = if method == FrameMethod::Detected { 0 } else { tracker.frames_since_detect + 1 };
        tracker.track = anchor.map(|(det, anchor)| Track { det, anchor });
        Ok(VideoFrame {
            width: img.width(),
            height: img.height(),
            timestamp_ms,
            method,
            faces,
            ignored_faces: ignored,
            light_balance,
        })
    }

    /// The detector's faces with their landmarks, largest first.
    fn detect_main_faces(&self, img: &RgbImage, opts: &DetectOptions) -> Result<Vec<(Detection, Landmarks68)>> {
        detect_frame(&self.models.detect, img, opts)?
            .into_iter()
            .map(|d| Ok((d, landmarks(&self.models.landmark, img, &d)?)))
            .collect()
    }

    /// The tracked face in a new frame: landmarks on the last box, the box moved with them.
    /// `None` (lost: run the detector) when the landmarks jump or change scale more than a face
    /// can between two frames, which is what they do when the face has left the box.
    fn follow(&self, img: &RgbImage, track: &Track) -> Result<Option<(Detection, Landmarks68)>> {
        let lm = landmarks(&self.models.landmark, img, &track.det)?;
        let Some(now) = Anchor::of(&lm) else { return Ok(None) };
        let scale = now.spread / track.anchor.spread;
        let shift = now.centre.distance(&track.anchor.centre) / track.anchor.spread;
        if !(1.0 / TRACK_MAX_SCALE_CHANGE..=TRACK_MAX_SCALE_CHANGE).contains(&scale) || shift > TRACK_MAX_SHIFT {
            return Ok(None);
        }
        let d = &track.det;
        let move_point = |x: f32, y: f32| {
            (now.centre.x + (x - track.anchor.centre.x) * scale, now.centre.y + (y - track.anchor.centre.y) * scale)
        };
        let (x1, y1) = move_point(d.x1, d.y1);
        let (x2, y2) = move_point(d.x2, d.y2);
        Ok(Some((Detection { x1, y1, x2, y2, score: d.score }, lm)))
    }
}

/// Keeps the faces at least [`SECONDARY_FACE_MIN_RATIO`] of the largest one's height (the list
/// is largest first); returns how many are kept.
fn keep_comparable(found: &mut Vec<(Detection, Landmarks68)>) -> usize {
    let Some(main) = found.first().map(|(d, _)| d.height()) else { return 0 };
    found.retain(|(d, _)| d.height() >= SECONDARY_FACE_MIN_RATIO * main);
    found.len()
}

/// The darker cheek's mean luma over the brighter cheek's: square patches of a third of the eye
/// distance, halfway between the jaw (points 2 and 14) and the nose (31 and 35). 1 when the
/// face is evenly lit; side light drives it towards 0.
pub fn light_balance(img: &RgbImage, face: &Face) -> f32 {
    let p = |i: usize| face.landmark_68.get(i).copied().unwrap_or(Point::new(0.0, 0.0));
    let side = (face.eye_dist / 3.0).max(2.0);
    let a = patch_luma(img, p(2).midpoint(&p(31)), side);
    let b = patch_luma(img, p(14).midpoint(&p(35)), side);
    match (a, b) {
        (Some(a), Some(b)) if a.max(b) > 0.0 => a.min(b) / a.max(b),
        _ => 1.0,
    }
}

fn patch_luma(img: &RgbImage, centre: Point, side: f32) -> Option<f32> {
    let half = side / 2.0;
    let (x0, y0) = ((centre.x - half).round() as i64, (centre.y - half).round() as i64);
    let n = side.round().max(1.0) as i64;
    let (mut sum, mut count) = (0.0f32, 0u32);
    for y in y0..y0 + n {
        for x in x0..x0 + n {
            if let Some(px) = img.pixel(x, y) {
                sum += luma([px[0] as f32, px[1] as f32, px[2] as f32]);
                count += 1;
            }
        }
    }
    (count > 0).then(|| sum / count as f32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_must_increase_and_a_refused_one_changes_nothing() {
        let mut t = VideoTracker::new();
        assert!(t.accept_timestamp(10.0).is_ok());
        t.last_timestamp = Some(10.0);
        assert_eq!(t.accept_timestamp(9.0).unwrap_err().code.as_str(), "INVALID_ARGUMENT");
        assert!(t.accept_timestamp(10.0).is_err());
        assert!(t.accept_timestamp(f64::NAN).is_err());
        assert!(t.accept_timestamp(11.0).is_ok());
    }
}
