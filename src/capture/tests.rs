//! The guidance and the session on synthetic sequences of measures: no camera, no model.

use super::challenge::StepKind;
use super::guidance::*;
use super::*;

/// A good, centred, frontal face in a 640x480 frame.
fn good() -> FaceMeasures {
    FaceMeasures {
        centre: [0.5, 0.5],
        centre_px: [320.0, 240.0],
        height: 0.5,
        eye_dist: 75.0,
        luminance: 140.0,
        light_balance: 0.9,
        sharpness: 900.0,
        eye_closed: 0.01,
        mouth_opened: 0.1,
        occlusion: 0.03,
        yaw: 1.0,
        pitch: -2.0,
        roll: 0.5,
    }
}

fn obs(t: f64, face: Option<FaceMeasures>) -> Observation {
    Observation { timestamp_ms: t, faces: face.map_or(0, |_| 1), face }
}

/// Feeds `frames` frames at 30 fps from `t0`, returning the instruction codes shown.
fn feed(s: &mut CaptureSession, t0: f64, frames: usize, face: Option<FaceMeasures>) -> Vec<Update> {
    (0..frames).map(|i| s.observe(obs(t0 + i as f64 * 33.0, face)).unwrap()).collect()
}

fn codes(updates: &[Update]) -> Vec<&'static str> {
    let mut out: Vec<&'static str> = Vec::new();
    for u in updates {
        if out.last() != Some(&u.instruction.code) {
            out.push(u.instruction.code);
        }
    }
    out
}

#[test]
fn each_failed_check_gives_its_instruction_and_the_first_by_priority_wins() {
    let p = Profile::SELFIE;
    let cases: [(FaceMeasures, &str); 12] = [
        (FaceMeasures { eye_dist: 20.0, height: 0.15, ..good() }, "MOVE_CLOSER"),
        (FaceMeasures { height: 0.95, eye_dist: 150.0, ..good() }, "MOVE_BACK"),
        (FaceMeasures { centre: [0.85, 0.5], ..good() }, "CENTER_FACE"),
        (FaceMeasures { luminance: 30.0, ..good() }, "TOO_DARK"),
        (FaceMeasures { luminance: 240.0, ..good() }, "TOO_BRIGHT"),
        (FaceMeasures { light_balance: 0.3, ..good() }, "UNEVEN_LIGHT"),
        (FaceMeasures { occlusion: 0.6, ..good() }, "REMOVE_OCCLUSION"),
        (FaceMeasures { yaw: 30.0, ..good() }, "TURN_RIGHT"),
        (FaceMeasures { yaw: -30.0, ..good() }, "TURN_LEFT"),
        (FaceMeasures { pitch: -30.0, ..good() }, "TILT_UP"),
        (FaceMeasures { eye_closed: 0.9, ..good() }, "OPEN_EYES"),
        (FaceMeasures { sharpness: 5.0, ..good() }, "TOO_BLURRY"),
    ];
    for (m, want) in cases {
        let a = advise(&p, 1, Some(&m), 0.0);
        assert_eq!(a.code, want, "{m:?}");
        assert!(a.value.is_some() && a.limit.is_some(), "{want} carries its value and limit");
    }
    assert_eq!(advise(&p, 1, Some(&good()), 0.0).code, "OK");
    assert_eq!(advise(&p, 1, Some(&good()), 1.0).code, "HOLD_STILL");
    assert_eq!(advise(&p, 0, None, 0.0).code, "FACE_NOT_FOUND");
    assert_eq!(advise(&p, 2, Some(&good()), 0.0).code, "MULTIPLE_FACES");
    // Dark AND eyes closed: light first (it corrupts the eye measure).
    let both = FaceMeasures { luminance: 30.0, eye_closed: 0.9, ..good() };
    assert_eq!(advise(&p, 1, Some(&both), 0.0).code, "TOO_DARK");
}

#[test]
fn a_face_that_is_too_big_is_never_told_to_move_closer() {
    // A face so close that the landmarks collapse the eye distance: still MOVE_BACK.
    for eye_dist in [5.0, 30.0, 39.0, 200.0] {
        let m = FaceMeasures { height: 0.9, eye_dist, ..good() };
        assert_eq!(advise(&Profile::SELFIE, 1, Some(&m), 0.0).code, "MOVE_BACK");
        assert_eq!(advise(&Profile::ICAO, 1, Some(&m), 0.0).code, "MOVE_BACK");
    }
}

#[test]
fn the_icao_profile_is_stricter_than_the_selfie_one() {
    let turned = FaceMeasures { yaw: 8.0, eye_dist: 100.0, ..good() };
    assert_eq!(advise(&Profile::SELFIE, 1, Some(&turned), 0.0).code, "OK");
    assert_eq!(advise(&Profile::ICAO, 1, Some(&turned), 0.0).code, "TURN_RIGHT");
    let small = FaceMeasures { eye_dist: 75.0, ..good() };
    assert_eq!(advise(&Profile::ICAO, 1, Some(&small), 0.0).code, "MOVE_CLOSER");
    let tilted = FaceMeasures { roll: 10.0, eye_dist: 100.0, ..good() };
    assert_eq!(advise(&Profile::ICAO, 1, Some(&tilted), 0.0).code, "STRAIGHTEN_HEAD");
    assert_eq!(Profile::by_name("icao"), Some(Profile::ICAO));
    assert_eq!(Profile::by_name("passport"), None);
}

#[test]
fn one_bad_frame_neither_flickers_the_instruction_nor_breaks_smoothing() {
    let mut g = Guidance::new(Profile::SELFIE, 300.0, 400.0);
    let mut shown = Vec::new();
    for i in 0..60 {
        // Every 7th frame the eye model misfires on a good face.
        let m = if i % 7 == 3 { FaceMeasures { eye_closed: 0.95, ..good() } } else { good() };
        shown.push(g.update(obs(i as f64 * 33.0, Some(m))).0.code);
    }
    assert!(shown.iter().all(|c| *c == "OK"), "{shown:?}");
}

#[test]
fn a_new_instruction_replaces_the_shown_one_only_after_it_held() {
    let mut g = Guidance::new(Profile::SELFIE, 0.0, 400.0);
    assert_eq!(g.update(obs(0.0, Some(good()))).0.code, "OK");
    let dark = FaceMeasures { luminance: 20.0, ..good() };
    let mut when = None;
    for i in 1..30 {
        let t = i as f64 * 33.0;
        if g.update(obs(t, Some(dark))).0.code == "TOO_DARK" {
            when = Some(t);
            break;
        }
    }
    let t = when.expect("TOO_DARK is shown eventually");
    assert!((400.0..=470.0).contains(&(t - 33.0)), "shown after {t} ms");
}

#[test]
fn a_scripted_session_guides_in_order_then_captures_within_the_hold_window() {
    let mut s = CaptureSession::new(SessionOptions::default(), 7).unwrap();
    let mut all = Vec::new();
    let mut t = 0.0;
    let segments: [(Option<FaceMeasures>, usize); 6] = [
        (None, 30),
        (Some(FaceMeasures { eye_dist: 25.0, height: 0.16, ..good() }), 30),
        (Some(FaceMeasures { centre: [0.8, 0.5], centre_px: [512.0, 240.0], ..good() }), 30),
        (Some(FaceMeasures { luminance: 35.0, ..good() }), 30),
        (Some(FaceMeasures { eye_closed: 0.95, ..good() }), 30),
        (Some(good()), 60),
    ];
    for (face, n) in segments {
        all.extend(feed(&mut s, t, n, face));
        t += n as f64 * 33.0;
    }
    assert_eq!(codes(&all), ["FACE_NOT_FOUND", "MOVE_CLOSER", "CENTER_FACE", "TOO_DARK", "OPEN_EYES", "OK"]);
    let summary = s.summary();
    assert_eq!(summary.state, State::Captured);
    let good_from = 150.0 * 33.0;
    let captured_at = all.iter().position(|u| u.done).unwrap() as f64 * 33.0;
    // Smoothing (300 ms) + hysteresis (400 ms) + hold (1000 ms), and not much more.
    assert!(captured_at - good_from <= 1000.0 + 300.0 + 400.0 + 100.0, "captured {} ms after the good face", captured_at - good_from);
    let kept = summary.frame_timestamp_ms.unwrap();
    assert!(kept >= good_from && kept <= captured_at, "kept frame {kept} lies in the hold window");
    assert_eq!(summary.timeline.iter().map(|e| e.code).collect::<Vec<_>>(), codes(&all));
}

#[test]
fn no_face_times_out_with_a_summary_and_retry_starts_cleanly() {
    let opts = SessionOptions { timeout_ms: 2000.0, ..Default::default() };
    let mut s = CaptureSession::new(opts, 1).unwrap();
    let ups = feed(&mut s, 0.0, 90, None);
    assert!(ups.iter().all(|u| u.state != State::Captured));
    let summary = s.summary();
    assert_eq!(summary.state, State::Timeout);
    assert_eq!(summary.failed_checks[0].code, "FACE_NOT_FOUND");
    assert!(summary.failed_checks[0].ms > 1900.0);
    assert!(summary.reason.unwrap().contains("2000"));
    s.retry(2);
    assert_eq!(s.state(), State::Searching);
    assert_eq!(s.summary().frames, 0);
    let ups = feed(&mut s, 5000.0, 60, Some(good()));
    assert!(ups.iter().any(|u| u.done) && s.state() == State::Captured);
}

#[test]
fn a_breaking_check_restarts_the_hold() {
    let mut s = CaptureSession::new(SessionOptions { min_instruction_ms: 0.0, smoothing_ms: 0.0, ..Default::default() }, 1).unwrap();
    feed(&mut s, 0.0, 20, Some(good())); // 660 ms of holding
    assert_eq!(s.state(), State::Holding);
    feed(&mut s, 700.0, 3, Some(FaceMeasures { yaw: 40.0, ..good() }));
    assert_eq!(s.state(), State::Adjusting);
    let ups = feed(&mut s, 800.0, 20, Some(good()));
    assert!(!ups.iter().any(|u| u.done), "the hold started over");
}

#[test]
fn a_still_photo_fails_the_challenge_and_a_blink_and_turn_pass_it() {
    let opts = SessionOptions { challenge: true, step_ms: 2000.0, ..Default::default() };
    let mut still = CaptureSession::new(opts.clone(), 0).unwrap();
    feed(&mut still, 0.0, 200, Some(good()));
    let summary = still.summary();
    assert_eq!(summary.state, State::Timeout);
    let liveness = summary.liveness.unwrap();
    assert!(!liveness.passed && !liveness.steps[0].passed);
    assert!(summary.reason.unwrap().contains("not completed"));

    for random in 0..4u64 {
        let mut live = CaptureSession::new(opts.clone(), random).unwrap();
        let mut t = 0.0;
        feed(&mut live, t, 60, Some(good()));
        t += 60.0 * 33.0;
        assert_eq!(live.state(), State::Challenge);
        let steps = live.summary().liveness.unwrap().steps;
        for step in &steps {
            let gesture = match step.kind {
                StepKind::Blink => FaceMeasures { eye_closed: 0.9, ..good() },
                StepKind::TurnLeft => FaceMeasures { yaw: 25.0, ..good() },
                StepKind::TurnRight => FaceMeasures { yaw: -25.0, ..good() },
                StepKind::OpenMouth => FaceMeasures { mouth_opened: 0.9, ..good() },
            };
            feed(&mut live, t, 6, Some(gesture));
            t += 6.0 * 33.0;
            feed(&mut live, t, 6, Some(good()));
            t += 6.0 * 33.0;
        }
        let summary = live.summary();
        assert_eq!(summary.state, State::Captured, "random {random}: {summary:?}");
        assert!(summary.liveness.unwrap().steps.iter().all(|s| s.passed && s.ended_ms.is_some()));
    }
    // The turn's side is drawn: both sides occur.
    let sides: Vec<_> = (0..4).map(|r| challenge::Challenge::draw(r, false, 1.0).steps.iter().any(|s| s.kind == StepKind::TurnLeft)).collect();
    assert!(sides.contains(&true) && sides.contains(&false));
}

#[test]
fn a_photo_does_not_blink_when_the_light_dims_and_a_step_ends_at_its_limit() {
    // A print in the dark: the eye model reads a dark eye as shut, so eye-closed rises and falls
    // with the light. Frames that are too dark may not count, so BLINK is never passed.
    let opts = SessionOptions { challenge: true, step_ms: 1500.0, ..Default::default() };
    let dark_photo = FaceMeasures { luminance: 25.0, eye_closed: 0.9, ..good() };
    for random in [0u64, 2] {
        let mut s = CaptureSession::new(opts.clone(), random).unwrap();
        feed(&mut s, 0.0, 60, Some(good()));
        assert_eq!(s.state(), State::Challenge);
        let mut t = 60.0 * 33.0;
        while s.state() == State::Challenge {
            feed(&mut s, t, 4, Some(dark_photo));
            feed(&mut s, t + 4.0 * 33.0, 4, Some(good()));
            t += 8.0 * 33.0;
        }
        let summary = s.summary();
        let liveness = summary.liveness.unwrap();
        let blink = liveness.steps.iter().find(|s| s.kind == StepKind::Blink).unwrap();
        assert!(!blink.passed && !liveness.passed, "random {random}: {liveness:?}");
        assert_eq!(summary.state, State::Timeout);
        // The failed step ended on the first frame at or past its limit, not one frame later.
        let failed = liveness.steps.iter().find(|s| !s.passed).unwrap();
        let took = failed.ended_ms.unwrap() - failed.started_ms.unwrap();
        assert!((1500.0..1500.0 + 33.0).contains(&took), "the step ran {took} ms");
    }
    // The same blink in good light passes.
    let mut s = CaptureSession::new(opts, 0).unwrap();
    feed(&mut s, 0.0, 60, Some(good()));
    feed(&mut s, 60.0 * 33.0, 4, Some(FaceMeasures { eye_closed: 0.9, ..good() }));
    feed(&mut s, 64.0 * 33.0, 4, Some(good()));
    let steps = s.summary().liveness.unwrap().steps;
    assert!(steps.iter().find(|s| s.kind == StepKind::Blink).unwrap().passed);
}

#[test]
fn timestamps_must_increase_and_bad_options_are_refused() {
    let mut s = CaptureSession::new(SessionOptions::default(), 1).unwrap();
    s.observe(obs(100.0, None)).unwrap();
    assert_eq!(s.observe(obs(50.0, None)).unwrap_err().code.as_str(), "INVALID_ARGUMENT");
    assert!(s.observe(obs(133.0, None)).is_ok(), "the next good frame works");
    let bad = SessionOptions { hold_ms: -1.0, ..Default::default() };
    assert!(CaptureSession::new(bad, 1).is_err());
    let nan = SessionOptions { timeout_ms: f64::NAN, ..Default::default() };
    assert!(CaptureSession::new(nan, 1).is_err());
}
