//! The per-frame video path (`detect_for_video`) on generated videos made from committed photos.

mod common;
#[path = "common/frames.rs"]
mod frames;

use common::{fixture, sdk};
use frames::{compose, Shot};
use likeness::detect::{detect_frame, DetectOptions, Detection};
use likeness::{FrameMethod, VideoOptions, VideoTracker};

fn iou(a: &likeness::Face, b: &Detection) -> f32 {
    let a = Detection { x1: a.x1, y1: a.y1, x2: a.x2, y2: a.y2, score: 1.0 };
    a.iou(b)
}

/// A face drifting right and coming closer over two seconds at 30 fps.
fn drifting(i: usize) -> Shot {
    let t = i as f32 / 60.0;
    Shot { scale: 0.8 + 0.3 * t, centre: [0.42 + 0.16 * t, 0.5 + 0.04 * (t * 6.0).sin()], ..Shot::default() }
}

#[test]
fn tracked_boxes_stay_close_to_the_detectors_and_skip_it_on_most_frames() {
    let photo = fixture("obama_640x480.png");
    let mut tracker = VideoTracker::new();
    let opts = VideoOptions::default();
    let (mut tracked, mut worst, mut sum) = (0, 1.0f32, 0.0f32);
    for i in 0..60 {
        let frame = compose(&photo, 640, 480, &drifting(i));
        let out = sdk().detect_for_video(&mut tracker, &frame, i as f64 * 33.3, &opts).unwrap();
        assert_eq!(out.faces.len(), 1, "frame {i}");
        assert!(out.faces[0].embedding.is_none(), "embedding is off by default");
        if out.method == FrameMethod::Tracked {
            let truth = detect_frame(&sdk().models.detect, &frame, &DetectOptions::default()).unwrap();
            let v = iou(&out.faces[0], &truth[0]);
            worst = worst.min(v);
            sum += v;
            tracked += 1;
        }
    }
    println!("tracked {tracked}/60 frames, IoU with the detector: worst {worst:.3}, mean {:.3}", sum / tracked as f32);
    assert!(tracked >= 50, "only {tracked} of 60 frames tracked");
    assert!(worst >= 0.8, "a tracked box strayed from the detector's: IoU {worst}");
}

#[test]
fn without_tracking_every_frame_runs_the_detector() {
    let photo = fixture("obama_640x480.png");
    let mut tracker = VideoTracker::new();
    let opts = VideoOptions { tracking: false, ..VideoOptions::default() };
    for i in 0..4 {
        let out = sdk().detect_for_video(&mut tracker, &compose(&photo, 640, 480, &drifting(i)), i as f64, &opts).unwrap();
        assert_eq!(out.method, FrameMethod::Detected);
    }
}

#[test]
fn a_face_that_leaves_is_lost_within_the_redetect_interval_and_found_again() {
    let photo = fixture("obama_640x480.png");
    let empty = compose(&fixture("no_face.png"), 640, 480, &Shot { scale: 2.0, ..Shot::default() });
    let mut tracker = VideoTracker::new();
    let opts = VideoOptions::default();
    let mut t = 0.0;
    let mut step = |img: &likeness::raster::RgbImage| {
        t += 33.3;
        sdk().detect_for_video(&mut tracker, img, t, &opts).unwrap()
    };
    for i in 0..5 {
        assert_eq!(step(&compose(&photo, 640, 480, &drifting(i))).faces.len(), 1);
    }
    let lost_after = (1..=10).find(|_| step(&empty).faces.is_empty()).expect("the face is lost within 10 frames");
    println!("face lost {lost_after} frame(s) after it left");
    for _ in 0..5 {
        let out = step(&empty);
        assert!(out.faces.is_empty() && out.method == FrameMethod::Detected);
    }
    assert_eq!(step(&photo).faces.len(), 1, "found again when it comes back");
}

#[test]
fn a_decreasing_timestamp_is_refused_and_the_next_good_one_works() {
    let photo = fixture("obama_640x480.png");
    let mut tracker = VideoTracker::new();
    let opts = VideoOptions::default();
    sdk().detect_for_video(&mut tracker, &photo, 100.0, &opts).unwrap();
    let err = sdk().detect_for_video(&mut tracker, &photo, 90.0, &opts).unwrap_err();
    assert_eq!(err.code.as_str(), "INVALID_ARGUMENT");
    assert!(sdk().detect_for_video(&mut tracker, &photo, 100.0, &opts).is_err(), "equal is not increasing");
    let out = sdk().detect_for_video(&mut tracker, &photo, 133.0, &opts).unwrap();
    assert_eq!(out.faces.len(), 1);
    assert_eq!(out.method, FrameMethod::Tracked, "the refused frames did not break tracking");
}

#[test]
fn a_small_background_face_is_ignored_and_two_people_are_two() {
    // The same photo pasted small into the background of a big one.
    let big = compose(&fixture("obama_640x480.png"), 640, 480, &Shot { scale: 1.2, centre: [0.6, 0.5], ..Shot::default() });
    let small = fixture("obama_640x480.png");
    let mut data = big.as_raw().to_vec();
    let thumb = compose(&small, 128, 96, &Shot { scale: 0.2, ..Shot::default() });
    for y in 0..96u32 {
        for x in 0..128u32 {
            let (src, dst) = (((y * 128 + x) * 3) as usize, (((y + 10) * 640 + x + 10) * 3) as usize);
            data[dst..dst + 3].copy_from_slice(&thumb.as_raw()[src..src + 3]);
        }
    }
    let frame = likeness::raster::RgbImage::from_raw(640, 480, data).unwrap();
    let all = detect_frame(&sdk().models.detect, &frame, &DetectOptions::default()).unwrap();
    assert!(all.len() >= 2, "the detector sees the background face too: {all:?}");
    let out = sdk().detect_for_video(&mut VideoTracker::new(), &frame, 0.0, &VideoOptions::default()).unwrap();
    assert_eq!(out.faces.len(), 1);
    assert_eq!(out.ignored_faces, all.len() - 1);

    let two = fixture("two_faces.png");
    let out = sdk().detect_for_video(&mut VideoTracker::new(), &two, 0.0, &VideoOptions::default()).unwrap();
    assert_eq!(out.faces.len(), 2, "two people at the camera both count");
}

#[test]
fn side_light_reads_as_uneven_and_even_light_as_even() {
    let photo = fixture("obama_640x480.png");
    let even = sdk().detect_for_video(&mut VideoTracker::new(), &photo, 0.0, &VideoOptions::default()).unwrap();
    let side = compose(&photo, 640, 480, &Shot { side_light: 0.75, ..Shot::default() });
    let lit = sdk().detect_for_video(&mut VideoTracker::new(), &side, 0.0, &VideoOptions::default()).unwrap();
    let (e, s) = (even.light_balance.unwrap(), lit.light_balance.unwrap());
    println!("light balance: even {e:.2}, side-lit {s:.2}");
    assert!(e > 0.8, "{e}");
    assert!(s < 0.5, "{s}");
}
