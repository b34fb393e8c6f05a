//! The fake-camera scripts (tests/common/frames.rs, written as Y4M by examples/fake_camera.rs
//! for Chromium's `--use-file-for-fake-video-capture`) proven natively: every frame through
//! `detect_for_video` (tracking on, as in the browser) and the capture session at the
//! script's own timestamps, so a browser test that feeds the same file to the same core can
//! rely on what each script makes the session do.

mod common;
#[path = "common/frames.rs"]
mod frames;

use std::collections::BTreeSet;
use std::sync::OnceLock;

use common::sdk;
use frames::{script, Pose, Script};
use likeness::capture::challenge::StepKind;
use likeness::capture::{CaptureSession, SessionOptions, State, Summary};
use likeness::raster::luma;
use likeness::{VideoFrame, VideoOptions, VideoTracker};

const FPS: u32 = 15;

/// A script and every one of its frames analysed in order, once per test binary.
struct Analysed {
    script: Script,
    frames: Vec<VideoFrame>,
}

fn analyse(name: &str) -> Analysed {
    let script = script(name, FPS).expect("a known script");
    let started = std::time::Instant::now();
    let mut tracker = VideoTracker::new();
    let frames = (0..script.frames())
        .map(|i| sdk().detect_for_video(&mut tracker, &script.frame(i), script.timestamp_ms(i), &VideoOptions::default()).unwrap())
        .collect();
    println!("{name}: {} frames made and analysed in {:.1} s", script.frames(), started.elapsed().as_secs_f64());
    Analysed { script, frames }
}

fn analysed(name: &'static str) -> &'static Analysed {
    static GUIDED: OnceLock<Analysed> = OnceLock::new();
    static EMPTY: OnceLock<Analysed> = OnceLock::new();
    static STILL: OnceLock<Analysed> = OnceLock::new();
    static LIVENESS: OnceLock<Analysed> = OnceLock::new();
    let cell = match name {
        "guided" => &GUIDED,
        "empty" => &EMPTY,
        "still" => &STILL,
        "liveness" => &LIVENESS,
        _ => panic!("no script {name}"),
    };
    cell.get_or_init(|| analyse(name))
}

/// Feeds the analysed frames to a new session from frame `start` on, looping like Chromium
/// does (timestamps keep increasing) for at most `passes` times the file's length, until the
/// session is done. Returns the summary and when it ended (ms since its first frame).
fn run(a: &Analysed, opts: SessionOptions, random: u64, start: usize, passes: usize) -> (Summary, Option<f64>) {
    let mut session = CaptureSession::new(opts, random).unwrap();
    let n = a.frames.len();
    let dt = 1000.0 / a.script.fps as f64;
    for k in 0..passes * n {
        let mut frame = a.frames[(start + k) % n].clone();
        frame.timestamp_ms = k as f64 * dt;
        if session.update(&frame).unwrap().done {
            return (session.summary(), Some(frame.timestamp_ms));
        }
    }
    (session.summary(), None)
}

fn timeline(s: &Summary) -> String {
    s.timeline.iter().map(|e| format!("{:.0} {}", e.timestamp_ms, e.code)).collect::<Vec<_>>().join(", ")
}

#[test]
fn guided_shows_each_instruction_in_its_segment_in_order_then_captures() {
    let a = analysed("guided");
    let (summary, done) = run(a, SessionOptions::default(), 0, 0, 1);
    println!("guided timeline: {}", timeline(&summary));
    let codes: Vec<&str> = summary.timeline.iter().map(|e| e.code).collect();
    // Nothing in between: each cut changes the smoothed measures of a 300 ms window (5 frames
    // at 15 fps) from one segment's to the next's by majority, and no transient lasts the
    // 400 ms the hysteresis asks of a new instruction.
    assert_eq!(codes, ["FACE_NOT_FOUND", "MOVE_CLOSER", "CENTER_FACE", "TOO_DARK", "OPEN_EYES", "OK"]);
    for entry in &summary.timeline {
        let seg = a.script.segments.iter().find(|s| s.expect == entry.code).unwrap();
        assert!(
            (seg.from_ms..seg.to_ms).contains(&entry.timestamp_ms),
            "{} shown at {} ms, outside its segment {} ({}..{} ms)",
            entry.code,
            entry.timestamp_ms,
            seg.name,
            seg.from_ms,
            seg.to_ms
        );
    }
    assert_eq!(summary.state, State::Captured);
    let good = a.script.segment(Pose::Good).unwrap();
    let done = done.expect("captured within the first pass");
    println!("captured at {done:.0} ms, {:.0} ms after the good face appeared; kept frame {:?} ms", done - good.from_ms, summary.frame_timestamp_ms);
    // Smoothing (300 ms) + hysteresis (400 ms) + the default hold (1000 ms) = 1.7 s.
    assert!(done - good.from_ms <= 2000.0, "captured {} ms after the good face", done - good.from_ms);
    let kept = summary.frame_timestamp_ms.unwrap();
    assert!(kept >= good.from_ms && kept <= done, "the kept frame ({kept} ms) is the good face's");
}

#[test]
fn empty_never_captures_and_times_out_on_face_not_found() {
    let a = analysed("empty");
    assert!(a.frames.iter().all(|f| f.faces.is_empty()), "no face is ever found in the empty script");
    let timeout_ms = 2000.0;
    assert!(a.script.duration_ms() > timeout_ms + 500.0, "the file is longer than the timeout");
    let (summary, done) = run(a, SessionOptions { timeout_ms, ..Default::default() }, 0, 0, 1);
    println!("empty timeline: {}; failed {:?}; ended at {done:?} ms", timeline(&summary), summary.failed_checks);
    assert_eq!(summary.state, State::Timeout);
    assert!(done.is_some_and(|t| t > timeout_ms && t < timeout_ms + 100.0), "timed out at {done:?}");
    assert_eq!(summary.failed_checks[0].code, "FACE_NOT_FOUND");
    assert!(summary.failed_checks[0].ms >= timeout_ms, "{:?}", summary.failed_checks);
    assert!(summary.reason.as_deref().unwrap().contains("2000"), "{:?}", summary.reason);
    assert_eq!(summary.timeline.iter().map(|e| e.code).collect::<Vec<_>>(), ["FACE_NOT_FOUND"]);
}

#[test]
fn a_still_face_captures_without_liveness_and_fails_every_challenge_naming_the_step() {
    let a = analysed("still");
    // Passive guidance alone takes it: it is a good face.
    let (summary, done) = run(a, SessionOptions::default(), 0, 0, 1);
    assert_eq!(summary.state, State::Captured, "{}", timeline(&summary));
    println!("still without liveness: captured at {done:?} ms");

    for mouth in [false, true] {
        for random in [0u64, 1, 2, 3, 0x9E37_79B9_7F4A_7C15, 12_345_678_901] {
            let opts = SessionOptions { challenge: true, challenge_mouth: mouth, ..Default::default() };
            let (summary, done) = run(a, opts, random, 0, 1);
            let liveness = summary.liveness.clone().expect("the hold passed and the challenge started");
            let first = &liveness.steps[0];
            println!(
                "still, random {random}, mouth {mouth}: {:?} at {done:?} ms, reason {:?}, step {} from {:?} to {:?}",
                summary.state, summary.reason, first.code, first.started_ms, first.ended_ms
            );
            assert_eq!(summary.state, State::Timeout, "random {random}");
            assert!(!liveness.passed && liveness.steps.iter().all(|s| !s.passed), "random {random}: {liveness:?}");
            assert_eq!(summary.reason.as_deref(), Some(format!("liveness step {} not completed in time", first.code).as_str()));
            let (from, to) = (first.started_ms.unwrap(), first.ended_ms.unwrap());
            // It ends on the first frame at or past its limit (15 fps: within one frame of 6000 ms).
            assert!(to - from >= 6000.0 - 1e-6 && to - from < 6000.0 + 1000.0 / 15.0, "the step ran its default 6000 ms: {from}..{to}");
        }
    }
}

#[test]
fn liveness_gestures_measure_as_meant_and_every_challenge_draw_passes() {
    let a = analysed("liveness");
    // The raw per-frame measures the challenge reads, per gesture.
    let face = |i: usize| a.frames[i].faces.first().unwrap_or_else(|| panic!("frame {i} has a face"));
    for seg in &a.script.segments {
        let idx: Vec<usize> = (seg.from_frame..seg.to_frame).collect();
        let yaws: Vec<String> = idx.iter().map(|&i| format!("{:.1}", face(i).yaw)).collect();
        let eyes = idx.iter().map(|&i| face(i).left_eye_closed.max(face(i).right_eye_closed)).fold(0.0f32, f32::max);
        let mouth = idx.iter().map(|&i| face(i).mouth_opened).fold(0.0f32, f32::max);
        match seg.pose {
            Pose::TurnLeft => {
                println!("turn left at {:.0} ms: yaw {}", seg.from_ms, yaws.join(", "));
                assert!(idx.iter().all(|&i| face(i).yaw > 15.0), "{yaws:?}");
            }
            Pose::TurnRight => {
                println!("turn right at {:.0} ms: yaw {}", seg.from_ms, yaws.join(", "));
                assert!(idx.iter().all(|&i| face(i).yaw < -15.0), "{yaws:?}");
            }
            Pose::EyesShut => {
                println!("blink at {:.0} ms: eye closed up to {eyes:.2}", seg.from_ms);
                assert!(eyes > 0.5);
            }
            Pose::MouthOpen => {
                println!("open mouth at {:.0} ms: mouth opened up to {mouth:.2}", seg.from_ms);
                assert!(mouth > 0.6);
            }
            Pose::Good => {
                // Back: within ±8° and eyes open on every frame.
                assert!(idx.iter().all(|&i| face(i).yaw.abs() < 8.0 && face(i).left_eye_closed.max(face(i).right_eye_closed) < 0.3), "{yaws:?}");
                assert!(idx.iter().any(|&i| face(i).mouth_opened < 0.3), "the mouth closes again in {}", seg.name);
            }
            other => panic!("unexpected pose {other:?} in the liveness script"),
        }
    }

    let mut kinds = BTreeSet::new();
    for mouth in [false, true] {
        for random in 0..4u64 {
            let opts = SessionOptions { challenge: true, challenge_mouth: mouth, ..Default::default() };
            let (summary, done) = run(a, opts, random, 0, 1);
            let liveness = summary.liveness.clone().expect("a challenge");
            let steps: Vec<String> = liveness
                .steps
                .iter()
                .map(|s| format!("{} {:.0}..{:.0}", s.code, s.started_ms.unwrap_or(f64::NAN), s.ended_ms.unwrap_or(f64::NAN)))
                .collect();
            println!("liveness, random {random}, mouth {mouth}: {:?} at {done:?} ms: {}", summary.state, steps.join(", "));
            assert_eq!(summary.state, State::Captured, "random {random}, mouth {mouth}: {summary:?}");
            assert!(liveness.passed && liveness.steps.iter().all(|s| s.passed));
            // Before the challenge only OK was shown: no gesture broke the hold.
            assert_eq!(summary.timeline[0].code, "OK", "{}", timeline(&summary));
            kinds.extend(liveness.steps.iter().map(|s| format!("{:?}", s.kind)));
        }
    }
    let all: BTreeSet<String> = [StepKind::Blink, StepKind::TurnLeft, StepKind::TurnRight, StepKind::OpenMouth].iter().map(|k| format!("{k:?}")).collect();
    assert_eq!(kinds, all, "the draws covered every kind of step");
}

#[test]
fn liveness_passes_from_any_point_of_the_loop_within_two_passes() {
    // Chromium starts the file when the camera opens, not when the session starts: a session
    // may begin anywhere in the loop, in the middle of a gesture too.
    let a = analysed("liveness");
    let mut worst: f64 = 0.0;
    for start in (0..a.frames.len()).step_by(5) {
        for random in 0..4u64 {
            let opts = SessionOptions { challenge: true, challenge_mouth: true, ..Default::default() };
            let (summary, done) = run(a, opts, random, start, 2);
            assert_eq!(summary.state, State::Captured, "start frame {start}, random {random}: {}", timeline(&summary));
            worst = worst.max(done.unwrap());
        }
    }
    println!("liveness from any start: captured at most {worst:.0} ms after the session's first frame (file {:.0} ms)", a.script.duration_ms());
}

#[test]
fn the_y4m_writer_round_trips_and_the_file_has_the_expected_size() {
    let s = script("empty", FPS).unwrap();
    let path = std::env::temp_dir().join(format!("likeness-fake-camera-{}.y4m", std::process::id()));
    let mut file = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
    let written = frames::write_y4m(&s, &mut file).unwrap();
    drop(file);
    let bytes = std::fs::read(&path).unwrap();
    std::fs::remove_file(&path).ok();
    let (w, h) = (frames::WIDTH as usize, frames::HEIGHT as usize);
    let header = frames::y4m_header(frames::WIDTH, frames::HEIGHT, FPS);
    assert!(header.starts_with("YUV4MPEG2 W640 H480 F15:1 Ip A1:1 C420"), "{header}");
    assert!(header.ends_with('\n') && !header.contains("FRAME") && header.len() < 200, "Chromium reads 200 bytes for the header and looks for FRAME");
    let frame_bytes = 6 + w * h * 3 / 2;
    assert_eq!(bytes.len(), header.len() + s.frames() * frame_bytes);
    assert_eq!(written, bytes.len() as u64);
    assert!(bytes.starts_with(header.as_bytes()));

    let y_matches = |planes: &[u8], src: &likeness::raster::RgbImage| {
        let rgb = src.as_raw();
        let worst = (0..w * h)
            .map(|i| {
                let want = 16.0 + 219.0 / 255.0 * luma([rgb[3 * i] as f32, rgb[3 * i + 1] as f32, rgb[3 * i + 2] as f32]);
                (planes[i] as f32 - want).abs()
            })
            .fold(0.0f32, f32::max);
        assert!(worst <= 1.0, "Y differs from the source's BT.601 luma by up to {worst}");
    };
    for k in [0, s.frames() / 2, s.frames() - 1] {
        let at = header.len() + k * frame_bytes;
        assert_eq!(&bytes[at..at + 6], b"FRAME\n", "frame {k}");
        y_matches(&bytes[at + 6..at + frame_bytes], &s.frame(k));
    }

    // A face frame, colours too: back to RGB through the planes within the error that 4:2:0
    // chroma subsampling costs.
    let live = script("liveness", FPS).unwrap();
    for k in [live.reference_frame, live.segment(Pose::TurnLeft).unwrap().from_frame, live.segment(Pose::MouthOpen).unwrap().from_frame] {
        let src = live.frame(k);
        let frame = frames::y4m_frame(&src);
        assert_eq!(frame.len(), frame_bytes);
        y_matches(&frame[6..], &src);
        let back = frames::i420_to_rgb(&frame[6..], frames::WIDTH, frames::HEIGHT);
        let diff: f64 = src.as_raw().iter().zip(back.as_raw()).map(|(a, b)| (*a as f64 - *b as f64).abs()).sum::<f64>() / src.as_raw().len() as f64;
        println!("liveness frame {k} ({:?}): RGB -> I420 -> RGB mean abs error {diff:.2}", live.pose(k));
        assert!(diff < 3.0, "{diff}");
    }
}

#[test]
fn scripts_are_what_their_names_say() {
    assert!(script("nope", FPS).is_none());
    for name in frames::SCRIPTS {
        let s = script(name, FPS).unwrap();
        assert_eq!((s.width, s.height, s.fps), (640, 480, FPS));
        assert!(s.segments.windows(2).all(|p| p[0].to_frame == p[1].from_frame && p[0].to_ms == p[1].from_ms), "{name}: contiguous");
        let want = if name == "empty" { Pose::Empty } else { Pose::Good };
        assert_eq!(s.pose(s.reference_frame), want, "{name}: the reference PNG is the held good face");
        // The file loops: the first and last frames are the same pose (no cut at the seam but
        // the shake's own), except in the guided onboarding.
        if name != "guided" {
            assert_eq!(s.pose(0), s.pose(s.frames() - 1), "{name}");
        }
    }
    // Frames differ from one another (sensor noise), even in the empty script.
    let e = script("empty", FPS).unwrap();
    assert_ne!(e.frame(0).as_raw(), e.frame(1).as_raw());
    // The same script at 30 fps lasts as long.
    assert_eq!(script("guided", 30).unwrap().duration_ms(), script("guided", 15).unwrap().duration_ms());
    assert_eq!(script("liveness", 30).unwrap().duration_ms(), script("liveness", 15).unwrap().duration_ms());
}
