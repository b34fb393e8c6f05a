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

// ---------------------------------------------------------------------------------------------
// Fake-camera scripts: whole videos for Chromium's `--use-file-for-fake-video-capture`, written
// as Y4M by examples/fake_camera.rs and checked through the capture session by
// tests/fake_camera.rs. Frames are made on demand (`Script::frame`): a 15 s script is 225
// frames of 900 KB each, too much to keep around for nothing.
// ---------------------------------------------------------------------------------------------

use likeness::Face;

/// The fake camera's frame size.
pub const WIDTH: u32 = 640;
pub const HEIGHT: u32 = 480;
/// The scripts' names, as the example's CLI takes them.
pub const SCRIPTS: [&str; 4] = ["guided", "empty", "still", "liveness"];

/// A committed golden photo and the reference analysis of its face (`tests/fixtures/golden/
/// NAME.json`, written by the onnxruntime reference): the landmarks used to paint eyes shut,
/// open the mouth and place the face in the frame, without running a model to make a video.
#[derive(Debug, Clone)]
pub struct Source {
    pub image: RgbImage,
    pub face: Face,
}

impl Source {
    pub fn golden(name: &str) -> Source {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/golden");
        let png = std::fs::read(dir.join(format!("{name}.png"))).unwrap_or_else(|e| panic!("{name}.png: {e}"));
        let image = likeness::decode::decode(&png, &likeness::decode::Limits::default()).unwrap_or_else(|e| panic!("{name}.png: {e}"));
        let json = std::fs::read(dir.join(format!("{name}.json"))).unwrap_or_else(|e| panic!("{name}.json: {e}"));
        let analysis: likeness::Analysis = serde_json::from_slice(&json).unwrap_or_else(|e| panic!("{name}.json: {e}"));
        let face = analysis.faces.into_iter().next().unwrap_or_else(|| panic!("{name}.json has no face"));
        Source { image, face }
    }

    pub fn box_centre(&self) -> [f32; 2] {
        [(self.face.x1 + self.face.x2) / 2.0, (self.face.y1 + self.face.y2) / 2.0]
    }

    pub fn box_height(&self) -> f32 {
        self.face.y2 - self.face.y1
    }

    /// The same photo mirrored, with its face's box and landmarks mirrored too (the landmark
    /// order is not remapped: only positions are used here).
    pub fn mirrored(&self) -> Source {
        let w = self.image.width() as f32;
        let mut face = self.face.clone();
        (face.x1, face.x2) = (w - self.face.x2, w - self.face.x1);
        for p in face.landmark_68.iter_mut().chain(face.landmark_5.iter_mut()) {
            p.x = w - p.x;
        }
        face.yaw = -face.yaw;
        face.roll = -face.roll;
        Source { image: mirrored(&self.image), face }
    }

    /// The shot that puts this face's box centre at `at` (frame pixels) with a box `height` px
    /// tall, in a `w`x`h` frame.
    pub fn place(&self, w: u32, h: u32, at: [f32; 2], height: f32) -> Shot {
        let scale = height / self.box_height();
        let c = self.box_centre();
        let (pw, ph) = (self.image.width() as f32, self.image.height() as f32);
        let cx = at[0] + 0.5 - (c[0] + 0.5 - pw / 2.0) * scale;
        let cy = at[1] + 0.5 - (c[1] + 0.5 - ph / 2.0) * scale;
        Shot { scale, centre: [cx / w as f32, cy / h as f32], ..Shot::default() }
    }
}

/// The photo with the mouth opened: the lower face (below the line between the inner lips,
/// across the jaw) pushed down by `gap` pixels, fading out below the chin, and the opening
/// between the lips painted as a dark mouth. The jaw drops; the face outline follows it.
pub fn mouth_open(photo: &RgbImage, landmarks: &[Point], gap: f32) -> RgbImage {
    let (w, h) = (photo.width(), photo.height());
    let p = |i: usize| landmarks[i];
    let (left, right) = (p(48).x.min(p(60).x), p(54).x.max(p(64).x));
    let (mx, half) = ((left + right) / 2.0, (right - left) / 2.0);
    // The cut: halfway between the inner upper lip (61–63) and the inner lower lip (65–67).
    let upper = (p(61).y + p(62).y + p(63).y) / 3.0;
    let lower = (p(65).y + p(66).y + p(67).y) / 3.0;
    let cut = (upper + lower) / 2.0;
    let jaw_half = (p(13).x - p(3).x).abs() / 2.0;
    let chin = p(8).y;
    let fade = 3.0 * gap;
    let smooth = |t: f32| 0.5 - 0.5 * (std::f32::consts::PI * t.clamp(0.0, 1.0)).cos(); // 0 → 1
    let mut data = photo.as_raw().to_vec();
    for y in cut.floor().max(0.0) as u32..h {
        let yf = y as f32 + 0.5;
        let wy = 1.0 - smooth((yf - chin) / fade);
        if wy <= 0.0 {
            break;
        }
        for x in 0..w {
            let u = (x as f32 + 0.5 - mx).abs();
            // Full drop across the mouth, easing to none at the jaw's sides.
            let wx = 1.0 - smooth((u - 0.8 * half) / (jaw_half - 0.8 * half).max(1.0));
            let d = gap * wx * wy;
            if d <= 0.0 || yf < cut {
                continue;
            }
            let sy = yf - d;
            let rgb = if sy >= cut {
                bilinear(photo, x as f32, sy - 0.5).map(|c| c.round().clamp(0.0, 255.0) as u8)
            } else {
                // In the gap the jaw left: a lens-shaped dark mouth, as tall as the gap in the
                // middle and closing at the corners, with the rows either side of the cut
                // stretched above and below it.
                let open = if u < half { d * (1.0 - (u / half).powi(2)).sqrt() } else { 0.0 };
                let into = yf - cut; // 0..d
                let (top, bottom) = ((d - open) / 2.0, (d + open) / 2.0);
                if into < top {
                    bilinear(photo, x as f32, cut - 1.0).map(|c| c.round() as u8)
                } else if into >= bottom {
                    bilinear(photo, x as f32, cut).map(|c| c.round() as u8)
                } else {
                    // Darkest in the middle of the opening.
                    let depth = 1.0 - ((into - d / 2.0) / (open / 2.0).max(0.5)).powi(2);
                    let k = 1.0 - 0.45 * depth.clamp(0.0, 1.0);
                    [(75.0 * k) as u8, (30.0 * k) as u8, (35.0 * k) as u8]
                }
            };
            let i = ((y * w + x) * 3) as usize;
            data[i..i + 3].copy_from_slice(&rgb);
        }
    }
    RgbImage::from_raw(w, h, data).expect("same size")
}

/// What one frame of a script shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pose {
    /// Nobody: the grey background.
    Empty,
    /// The good face, small and far (eye distance below 40 px).
    Far,
    /// The good face beside the centre (beyond 0.2 of the frame's width).
    OffCentre,
    /// The good face in a dark room (face luminance below 70).
    Dark,
    /// The good face with both eyes painted shut.
    EyesShut,
    /// The good face: centred, frontal, eyes open, mouth closed, well lit.
    Good,
    /// The head turned to the person's own left: yaw > 15° (toward the raw image's right).
    TurnLeft,
    /// The head turned to the person's own right: yaw < -15°.
    TurnRight,
    /// The good face with the mouth open.
    MouthOpen,
}

/// A stretch of a script and what the capture session should say during it.
#[derive(Debug, Clone, PartialEq)]
pub struct Segment {
    pub name: &'static str,
    pub pose: Pose,
    pub from_frame: usize,
    pub to_frame: usize,
    pub from_ms: f64,
    pub to_ms: f64,
    /// The instruction (guidance code) or active-liveness step the segment is for.
    pub expect: &'static str,
}

/// A whole fake-camera video: segments of poses at `fps`, every frame made on demand.
pub struct Script {
    pub name: &'static str,
    pub fps: u32,
    pub width: u32,
    pub height: u32,
    pub segments: Vec<Segment>,
    /// The frame written as the reference PNG: the held good face as the camera sends it.
    pub reference_frame: usize,
    good: Source,
    shut: Source,
    open: Source,
    turned_right: Source,
    turned_left: Source,
}

/// The frames each pose lasts at `fps` for `ms` milliseconds (at least 1).
fn frames_for(ms: f64, fps: u32) -> usize {
    ((ms * fps as f64 / 1000.0).round() as usize).max(1)
}

impl Script {
    pub fn frames(&self) -> usize {
        self.segments.last().map_or(0, |s| s.to_frame)
    }

    pub fn timestamp_ms(&self, i: usize) -> f64 {
        i as f64 * 1000.0 / self.fps as f64
    }

    pub fn duration_ms(&self) -> f64 {
        self.timestamp_ms(self.frames())
    }

    pub fn pose(&self, i: usize) -> Pose {
        self.segments.iter().find(|s| (s.from_frame..s.to_frame).contains(&i)).map_or(Pose::Empty, |s| s.pose)
    }

    /// The first segment showing `pose`.
    pub fn segment(&self, pose: Pose) -> Option<&Segment> {
        self.segments.iter().find(|s| s.pose == pose)
    }

    /// Frame `i`: its pose, a little hand shake (±1.5 px, ±0.3 % scale, smooth, the same at
    /// the same time in every script) and sensor noise (±2 levels, different in every frame).
    pub fn frame(&self, i: usize) -> RgbImage {
        let t = self.timestamp_ms(i);
        let (w, h) = (self.width, self.height);
        // The good face: the golden 640x480 photo a hair bigger than the frame, so that the
        // shake never shows its edges. Its box centre is (344, 181): 0.04 and 0.12 of the
        // frame off centre, well within the 0.2 that CENTER_FACE allows.
        let base = Shot { scale: 1.012 * w as f32 / 640.0, ..Shot::default() };
        let good_at = [
            (self.good.box_centre()[0] - 320.0) * base.scale + w as f32 / 2.0,
            (self.good.box_centre()[1] - 240.0) * base.scale + h as f32 / 2.0,
        ];
        let good_height = self.good.box_height() * base.scale;
        let (img, shot) = match self.pose(i) {
            Pose::Empty => (None, base),
            Pose::Good => (Some(&self.good.image), base),
            Pose::EyesShut => (Some(&self.shut.image), base),
            Pose::MouthOpen => (Some(&self.open.image), base),
            // About 0.22 of the frame's height: eye distance ~33 px.
            Pose::Far => (Some(&self.good.image), self.good.place(w, h, [w as f32 / 2.0, h as f32 / 2.0], 0.22 * h as f32)),
            // 0.27 of the frame's width right of centre, a little smaller than the good face.
            Pose::OffCentre => (Some(&self.good.image), self.good.place(w, h, [0.77 * w as f32, h as f32 / 2.0], 0.42 * h as f32)),
            Pose::Dark => (Some(&self.good.image), Shot { brightness: 0.3, ..base }),
            // The turned photo's face box where the good face's is, as tall.
            Pose::TurnRight => (Some(&self.turned_right.image), self.turned_right.place(w, h, good_at, good_height)),
            Pose::TurnLeft => (Some(&self.turned_left.image), self.turned_left.place(w, h, good_at, good_height)),
        };
        let shot = shake(shot, t, w, h);
        let frame = match img {
            Some(img) => compose(img, w, h, &shot),
            None => RgbImage::from_raw(w, h, BACKGROUND.repeat((w * h) as usize)).expect("w*h*3 bytes"),
        };
        with_noise(&frame, i as u64 + 1)
    }
}

/// A small, smooth hand shake at time `t_ms`: about ±1.5 px and ±0.3 % in scale.
fn shake(shot: Shot, t_ms: f64, w: u32, h: u32) -> Shot {
    let t = t_ms as f32 / 1000.0;
    let tau = std::f32::consts::TAU;
    let dx = 1.0 * (tau * t / 1.7).sin() + 0.5 * (tau * t / 0.43 + 1.0).sin();
    let dy = 0.8 * (tau * t / 2.3 + 0.5).sin() + 0.4 * (tau * t / 0.61 + 2.0).sin();
    let ds = 1.0 + 0.003 * (tau * t / 2.9).sin();
    Shot {
        scale: shot.scale * ds,
        centre: [shot.centre[0] + dx / w as f32, shot.centre[1] + dy / h as f32],
        ..shot
    }
}

fn splitmix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Sensor noise: every value moved by -2..=2, deterministically from `seed`.
pub fn with_noise(img: &RgbImage, seed: u64) -> RgbImage {
    let mut state = splitmix(seed.wrapping_mul(0x2545_F491_4F6C_DD1D));
    let mut data = img.as_raw().to_vec();
    for chunk in data.chunks_mut(8) {
        state = splitmix(state);
        for (k, v) in chunk.iter_mut().enumerate() {
            let n = ((state >> (k * 8)) & 0xff) as i32 % 5 - 2;
            *v = (*v as i32 + n).clamp(0, 255) as u8;
        }
    }
    RgbImage::from_raw(img.width(), img.height(), data).expect("same size")
}

/// The script called `name` at `fps` frames a second; `None` for an unknown name.
///
/// - `guided`: the onboarding sequence, 2 s each: nobody, a far face, an off-centre face, a
///   dark room, eyes shut; then the good face for 5 s (captured with the default 1000 ms hold).
/// - `empty`: 3 s of the grey background with sensor noise.
/// - `still`: 8 s of the good face, never blinking or turning (a photo held up).
/// - `liveness`: two 4.2 s cycles of the good face with, 3 frames each (200 ms at 15 fps), a
///   blink, a turn to the person's left, one to their right and an open mouth, 0.6 s apart,
///   after 1.2 s of plain good face: every challenge step is offered at least every 4.2 s,
///   well within the default 6 s `stepMs`, and no gesture lasts long enough (hysteresis
///   400 ms) to break a hold.
pub fn script(name: &str, fps: u32) -> Option<Script> {
    assert!(fps > 0, "fps must be positive");
    let plan: Vec<(&'static str, Pose, f64, &'static str)> = match name {
        "guided" => vec![
            ("no face", Pose::Empty, 2000.0, "FACE_NOT_FOUND"),
            ("far face", Pose::Far, 2000.0, "MOVE_CLOSER"),
            ("off centre", Pose::OffCentre, 2000.0, "CENTER_FACE"),
            ("dark", Pose::Dark, 2000.0, "TOO_DARK"),
            ("eyes closed", Pose::EyesShut, 2000.0, "OPEN_EYES"),
            ("good", Pose::Good, 5000.0, "OK"),
        ],
        "empty" => vec![("no face", Pose::Empty, 3000.0, "FACE_NOT_FOUND")],
        "still" => vec![("good, still", Pose::Good, 8000.0, "OK")],
        "liveness" => {
            let gesture = 3000.0 / 15.0; // 3 frames at 15 fps
            let mut plan = Vec::new();
            for _ in 0..2 {
                plan.extend([
                    ("good", Pose::Good, 1200.0, "OK"),
                    ("blink", Pose::EyesShut, gesture, "BLINK"),
                    ("good", Pose::Good, 600.0, "OK"),
                    ("turn left", Pose::TurnLeft, gesture, "TURN_HEAD_LEFT"),
                    ("good", Pose::Good, 600.0, "OK"),
                    ("turn right", Pose::TurnRight, gesture, "TURN_HEAD_RIGHT"),
                    ("good", Pose::Good, 600.0, "OK"),
                    ("open mouth", Pose::MouthOpen, gesture, "OPEN_MOUTH"),
                    ("good", Pose::Good, 400.0, "OK"),
                ]);
            }
            plan
        }
        _ => return None,
    };
    let name: &'static str = SCRIPTS.into_iter().find(|s| *s == name)?;
    let mut segments = Vec::new();
    let mut at = 0;
    for (seg_name, pose, ms, expect) in plan {
        let n = frames_for(ms, fps);
        let ms_of = |i: usize| i as f64 * 1000.0 / fps as f64;
        segments.push(Segment { name: seg_name, pose, from_frame: at, to_frame: at + n, from_ms: ms_of(at), to_ms: ms_of(at + n), expect });
        at += n;
    }
    let reference_frame = segments.iter().find(|s| s.pose == Pose::Good).map_or(0, |s| (s.from_frame + s.to_frame) / 2);
    let good = Source::golden("obama_640x480");
    let shut = Source { image: eyes_shut(&good.image, &good.face.landmark_68), face: good.face.clone() };
    let open = Source { image: mouth_open(&good.image, &good.face.landmark_68, 18.0), face: good.face.clone() };
    // obama2: yaw -26° in the reference analysis, the head turned toward the image's left,
    // which is the person's own right; its mirror image is the turn to their left.
    let turned_right = Source::golden("obama2");
    let turned_left = turned_right.mirrored();
    Some(Script { name, fps, width: WIDTH, height: HEIGHT, segments, reference_frame, good, shut, open, turned_right, turned_left })
}

/// Every frame of a script with its timestamp (ms). Mind the memory: 900 KB a frame.
pub fn script_frames(name: &str, fps: u32) -> Vec<(f64, RgbImage)> {
    let s = script(name, fps).unwrap_or_else(|| panic!("no script {name:?}; the scripts are {SCRIPTS:?}"));
    (0..s.frames()).map(|i| (s.timestamp_ms(i), s.frame(i))).collect()
}

// ---------------------------------------------------------------------------------------------
// Y4M (YUV4MPEG2), as Chromium's fake camera reads it (media/capture/video/
// file_video_capture_device.cc): a one-line header, then per frame "FRAME\n" and the I420
// planes Y (w*h), U, V (w/2*h/2 each). Chromium hands the frames on with no colour space,
// which it treats as BT.601 limited range: so that is what is written (Y 16–235, U and V
// 16–240, BT.601 weights), and the header says so with ffmpeg's XCOLORRANGE=LIMITED (Chromium
// skips tags it does not know). C420jpeg: chroma sited between the luma samples, which is
// what the 2x2 averages below are.
// ---------------------------------------------------------------------------------------------

pub fn y4m_header(w: u32, h: u32, fps: u32) -> String {
    format!("YUV4MPEG2 W{w} H{h} F{fps}:1 Ip A1:1 C420jpeg XCOLORRANGE=LIMITED\n")
}

/// The bytes of one Y4M frame: "FRAME\n" then Y, U, V (even `w` and `h`).
pub fn y4m_frame(img: &RgbImage) -> Vec<u8> {
    let (w, h) = (img.width() as usize, img.height() as usize);
    assert!(w % 2 == 0 && h % 2 == 0, "I420 needs an even width and height, got {w}x{h}");
    let rgb = img.as_raw();
    let mut out = Vec::with_capacity(6 + w * h * 3 / 2);
    out.extend_from_slice(b"FRAME\n");
    let px = |x: usize, y: usize| {
        let i = (y * w + x) * 3;
        [rgb[i] as f32, rgb[i + 1] as f32, rgb[i + 2] as f32]
    };
    let to_u8 = |v: f32| v.round().clamp(0.0, 255.0) as u8;
    for y in 0..h {
        for x in 0..w {
            let [r, g, b] = px(x, y);
            out.push(to_u8(16.0 + (65.481 * r + 128.553 * g + 24.966 * b) / 255.0));
        }
    }
    let mut v_plane = Vec::with_capacity(w * h / 4);
    for y in (0..h).step_by(2) {
        for x in (0..w).step_by(2) {
            let mut m = [0.0f32; 3];
            for (dx, dy) in [(0, 0), (1, 0), (0, 1), (1, 1)] {
                let p = px(x + dx, y + dy);
                for k in 0..3 {
                    m[k] += p[k] / 4.0;
                }
            }
            let [r, g, b] = m;
            out.push(to_u8(128.0 + (-37.797 * r - 74.203 * g + 112.0 * b) / 255.0));
            v_plane.push(to_u8(128.0 + (112.0 * r - 93.786 * g - 18.214 * b) / 255.0));
        }
    }
    out.extend_from_slice(&v_plane);
    out
}

/// Writes the whole script as Y4M to `out` (frames made one at a time); returns the bytes
/// written: the header plus `frames * (6 + w*h*3/2)`.
pub fn write_y4m(script: &Script, out: &mut impl std::io::Write) -> std::io::Result<u64> {
    let header = y4m_header(script.width, script.height, script.fps);
    out.write_all(header.as_bytes())?;
    let mut bytes = header.len() as u64;
    for i in 0..script.frames() {
        let frame = y4m_frame(&script.frame(i));
        out.write_all(&frame)?;
        bytes += frame.len() as u64;
    }
    out.flush()?;
    Ok(bytes)
}

/// Back from limited-range BT.601 I420 (one frame's planes, without "FRAME\n") to RGB.
pub fn i420_to_rgb(planes: &[u8], w: u32, h: u32) -> RgbImage {
    let (w, h) = (w as usize, h as usize);
    let (y_plane, rest) = planes.split_at(w * h);
    let (u_plane, v_plane) = rest.split_at(w * h / 4);
    let mut data = Vec::with_capacity(w * h * 3);
    for y in 0..h {
        for x in 0..w {
            let yy = (y_plane[y * w + x] as f32 - 16.0) * 255.0 / 219.0;
            let c = (y / 2) * (w / 2) + x / 2;
            let (u, v) = ((u_plane[c] as f32 - 128.0) * 255.0 / 224.0, (v_plane[c] as f32 - 128.0) * 255.0 / 224.0);
            let rgb = [yy + 1.402 * v, yy - 0.344_136 * u - 0.714_136 * v, yy + 1.772 * u];
            data.extend(rgb.map(|c| c.round().clamp(0.0, 255.0) as u8));
        }
    }
    RgbImage::from_raw(w as u32, h as u32, data).expect("w*h*3 bytes")
}
