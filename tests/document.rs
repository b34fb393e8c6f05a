//! The document analysis (src/document) on generated documents (tests/common/cards.rs): card
//! finding and rectification, the portrait choice (never the ghost, never a background face),
//! glare, the guidance codes, the live session, bad inputs. Release build; ~40 s.

mod common;

use common::sdk;
use common::cards::{self, Card, CardSpec, Format, Glare, Print, Shot};
use likeness::capture::State;
use likeness::constants::GLARE_MAX_SHARE;
use likeness::document::{DocumentAnalysis, DocumentSession, DocumentSessionOptions};
use likeness::raster::RgbImage;

fn portrait(name: &str) -> RgbImage {
    let dir = common::golden_dir();
    let img = common::fixture(&format!("{name}.png"));
    let json: serde_json::Value = serde_json::from_slice(&std::fs::read(dir.join(format!("{name}.json"))).unwrap()).unwrap();
    let f = &json["faces"][0];
    let b = ["x1", "y1", "x2", "y2"].map(|k| f[k].as_f64().unwrap() as f32);
    cards::portrait_crop_around(&img, b)
}

fn card(format: Format, print: Print, seed: u64) -> Card {
    let face = if seed % 2 == 0 { portrait("obama_640x480") } else { portrait("biden") };
    cards::render_card(&CardSpec { format, portrait: face, print, ghost: true, seed, width_px: 1012 })
}

/// A clean shot: no glare, a little blur and noise, JPEG 90, the card `share` of the frame's
/// dimension its long side lies along.
fn shot(frame: (u32, u32), rotation_deg: f32, tilt: [f32; 2], share: f32, seed: u64) -> Shot {
    let along = if (rotation_deg.abs() - 90.0).abs() < 30.0 { frame.1 } else { frame.0 } as f32;
    Shot {
        frame_w: frame.0,
        frame_h: frame.1,
        centre: [frame.0 as f32 / 2.0, frame.1 as f32 / 2.0],
        card_width: along * share,
        rotation_deg,
        tilt,
        blur_sigma: 0.6,
        noise_sigma: 2.0,
        jpeg_quality: Some(90),
        background_seed: seed,
        ..Shot::default()
    }
}

fn dist(a: [f32; 2], b: [f32; 2]) -> f32 {
    (a[0] - b[0]).hypot(a[1] - b[1])
}

fn centre(q: &[[f32; 2]; 4]) -> [f32; 2] {
    [q.iter().map(|p| p[0]).sum::<f32>() / 4.0, q.iter().map(|p| p[1]).sum::<f32>() / 4.0]
}

fn inside(p: [f32; 2], q: &[[f32; 2]; 4]) -> bool {
    let s: Vec<f32> = (0..4)
        .map(|i| {
            let (a, b) = (q[i], q[(i + 1) % 4]);
            (b[0] - a[0]) * (p[1] - a[1]) - (b[1] - a[1]) * (p[0] - a[0])
        })
        .collect();
    s.iter().all(|v| *v >= 0.0) || s.iter().all(|v| *v <= 0.0)
}

/// Largest corner distance to the truth as a share of the card's width (corners as read).
fn corner_error(a: &DocumentAnalysis, photo: &cards::Photo) -> Option<f32> {
    let d = a.document.as_ref()?;
    let t = &photo.corners;
    let width = (dist(t[0], t[1]) + dist(t[3], t[2])) / 2.0;
    Some((0..4).map(|i| dist(d.corners[i], t[i])).fold(0.0, f32::max) / width)
}

/// The portrait is the printed main portrait: its centre inside the truth's portrait quad,
/// never inside the ghost's or a background face's.
fn check_portrait(a: &DocumentAnalysis, photo: &cards::Photo, what: &str) -> bool {
    let Some(p) = &a.portrait else { return false };
    let c = centre(&p.box_in_frame);
    if let Some(g) = &photo.ghost_quad {
        assert!(!inside(c, g), "{what}: the ghost image was chosen as the portrait");
    }
    if let Some(g) = &photo.background_face_quad {
        assert!(!inside(c, g), "{what}: a face outside the card was chosen as the portrait");
    }
    inside(c, &photo.portrait_quad)
}

/// Measured 2026-12 after the reading fix (both readings compared, a plausible portrait on the
/// left wins): 8/10 within 3 % (pose 1 takes the header band, pose 8 is 4 % off), 10/10 portraits.
#[test]
fn cards_are_found_rectified_and_read_upright_in_many_poses() {
    // (frame, rotation, tilt, share of the frame, format)
    let poses: [((u32, u32), f32, [f32; 2], f32, Format); 10] = [
        ((1280, 720), 0.0, [0.0, 0.0], 0.6, Format::Id1),
        ((1280, 720), 12.0, [10.0, 0.0], 0.55, Format::Id3),
        ((1280, 720), -25.0, [0.0, 15.0], 0.5, Format::Id1),
        ((720, 1280), 90.0, [0.0, 0.0], 0.6, Format::Id1),
        ((720, 1280), -90.0, [8.0, -8.0], 0.6, Format::Id3),
        ((1280, 720), 180.0, [0.0, 0.0], 0.55, Format::Id1),
        ((640, 480), 5.0, [18.0, 0.0], 0.7, Format::Id3),
        ((640, 480), -8.0, [0.0, -20.0], 0.65, Format::Id1),
        ((1920, 1080), 3.0, [5.0, 5.0], 0.5, Format::Id3),
        ((720, 1280), 85.0, [0.0, 12.0], 0.55, Format::Id1),
    ];
    let (mut found, mut read_right, mut portraits) = (0, 0, 0);
    let mut errors = Vec::new();
    for (i, (frame, rot, tilt, share, format)) in poses.into_iter().enumerate() {
        let c = card(format, if i % 3 == 0 { Print::Grey } else { Print::Colour }, 10 + i as u64);
        let photo = cards::photograph(&c, &shot(frame, rot, tilt, share, 100 + i as u64));
        let a = sdk().analyze_document(&photo.image).unwrap();
        let what = format!("pose {i} ({frame:?}, {rot}°, tilt {tilt:?})");
        if let Some(e) = corner_error(&a, &photo) {
            errors.push(e);
            if e < 0.03 {
                found += 1;
                let card_img = a.card.as_ref().expect("a found card is rectified");
                let longest = (0..4).map(|k| dist(photo.corners[k], photo.corners[(k + 1) % 4])).fold(0.0, f32::max);
                assert!((card_img.width() as f32 - longest.clamp(400.0, 1600.0)).abs() <= 0.04 * longest, "{what}: rectified width {}", card_img.width());
                let aspect = card_img.width() as f32 / card_img.height() as f32;
                assert!((aspect - format_aspect(format)).abs() < 0.02, "{what}: format read as {:?}", a.document.map(|d| d.format));
                read_right += 1;
            }
        }
        portraits += check_portrait(&a, &photo, &what) as usize;
    }
    println!("found within 3 % of the card width: {found}/10, portraits {portraits}/10, errors {errors:.3?}");
    // Measured on this set: 8 of 10 with the classical finder, 6 of 10 with the learned one
    // (its corners are a few px less precise on clean flat cards; its portraits 10 of 10):
    // docs/document.md. The bar is below it, not at it.
    assert!(found >= 5, "only {found} of 10 cards found within 3 % (errors {errors:?})");
    assert!(read_right >= 5);
    assert!(portraits >= 7, "only {portraits} of 10 portraits found");
}

fn format_aspect(f: Format) -> f32 {
    f.aspect()
}

#[test]
fn the_ghost_image_and_a_background_face_are_never_the_portrait() {
    let background = portrait("obama2");
    let mut checked = 0;
    for i in 0..6u64 {
        let c = card(if i % 2 == 0 { Format::Id1 } else { Format::Id3 }, Print::Colour, 40 + i);
        let mut s = shot((1280, 720), 8.0 * i as f32 - 20.0, [0.0, 0.0], 0.45, 200 + i);
        s.centre = [500.0, 380.0];
        s.background_face = Some(background.clone());
        let photo = cards::photograph(&c, &s);
        let a = sdk().analyze_document(&photo.image).unwrap();
        if check_portrait(&a, &photo, &format!("shot {i}")) {
            checked += 1;
        }
        // Whatever was found, the portrait (if any) is on the card.
        if let (Some(p), Some(d)) = (&a.portrait, &a.document) {
            assert!(inside(centre(&p.box_in_frame), &d.corners), "shot {i}: portrait outside the card");
        }
    }
    assert!(checked >= 4, "the main portrait was found in only {checked} of 6 shots");
}

/// A face photo lying on the desk beside the card (its outline is card-like: a 3:4 print with a
/// white border is within ID-3's aspect) is never the portrait, whatever quad the finder saw
/// first: random shots of the generator with a background face, several kinds and seeds.
#[test]
fn a_face_lying_on_the_desk_is_never_the_portrait() {
    let faces: Vec<RgbImage> = ["obama_640x480", "biden", "obama3", "obama2"].into_iter().map(portrait).collect();
    let kinds = [cards::ShotKind::Typical, cards::ShotKind::Glare, cards::ShotKind::Hard, cards::ShotKind::Near];
    let (mut shots, mut right) = (0, 0);
    for seed in 0..400u64 {
        if shots >= 10 {
            break;
        }
        let kind = kinds[(seed % 4) as usize];
        let shot = cards::random_shot_among(seed * 7919 + 13, kind, &faces);
        if shot.background_face.is_none() {
            continue;
        }
        let c = card(if seed % 2 == 0 { Format::Id1 } else { Format::Id3 }, if seed % 3 == 0 { Print::Grey } else { Print::Colour }, seed);
        let photo = cards::photograph(&c, &shot);
        let Some(bg) = photo.background_face_quad else { continue };
        shots += 1;
        let a = sdk().analyze_document(&photo.image).unwrap();
        let what = format!("seed {seed} ({})", kind.name());
        if let Some(p) = &a.portrait {
            let c = centre(&p.box_in_frame);
            assert!(!inside(c, &bg), "{what}: the face lying on the desk was chosen as the portrait");
            let d = a.document.as_ref().expect("a portrait comes with its card");
            assert!(inside(c, &d.corners), "{what}: portrait outside the card");
            right += inside(c, &photo.portrait_quad) as usize;
        }
    }
    println!("{shots} shots with a face on the desk, main portrait found in {right}");
    assert!(shots >= 8, "only {shots} shots with a background face");
    // Measured 2026-12: see docs/document.md. The bar is below it: the point is the face on the desk.
    assert!(right * 2 >= shots, "the main portrait was found in only {right} of {shots} shots");
}

#[test]
fn glare_on_the_portrait_is_detected_and_a_clean_card_is_not_flagged() {
    let c = card(Format::Id1, Print::Colour, 7);
    let clean = shot((1280, 720), 0.0, [0.0, 0.0], 0.6, 70);
    let b = c.portrait_box;
    let (cw, ch) = (c.image.width() as f32, c.image.height() as f32);
    let on_face = [(b[0] + b[2]) / 2.0 / cw, (b[1] * 0.55 + b[3] * 0.45) / ch];
    let glared = Shot { glare: vec![Glare { centre: on_face, radius: 0.07, strength: 0.95 }], ..clean.clone() };
    let a = sdk().analyze_document(&cards::photograph(&c, &clean).image).unwrap();
    let p = a.portrait.as_ref().expect("portrait on the clean card");
    assert!(p.glare <= GLARE_MAX_SHARE, "clean card flagged with glare {}", p.glare);
    assert_ne!(a.instruction.code, "GLARE_ON_PORTRAIT");
    let photo = cards::photograph(&c, &glared);
    assert!(photo.glare_on_portrait);
    let g = sdk().analyze_document(&photo.image).unwrap();
    assert!(g.document.is_some());
    match &g.portrait {
        Some(p) => assert!(p.glare > GLARE_MAX_SHARE, "glare on the portrait measured {}", p.glare),
        None => assert_eq!(g.instruction.code, "GLARE_ON_PORTRAIT"),
    }
    assert_eq!(g.instruction.code, "GLARE_ON_PORTRAIT");
}

#[test]
fn guidance_says_not_found_fit_and_move_closer() {
    let c = card(Format::Id1, Print::Colour, 3);
    // No card: the card far outside the frame.
    let mut none = shot((1280, 720), 0.0, [0.0, 0.0], 0.5, 31);
    none.centre = [-4000.0, -4000.0];
    let a = sdk().analyze_document(&cards::photograph(&c, &none).image).unwrap();
    assert!(a.portrait.is_none());
    assert_eq!(a.instruction.code, "DOCUMENT_NOT_FOUND", "{:?}", a.document);
    // Cut by the frame's right edge.
    let mut cut = shot((1280, 720), 0.0, [0.0, 0.0], 0.55, 32);
    cut.centre = [1280.0 - 0.2 * cut.card_width, 360.0];
    let a = sdk().analyze_document(&cards::photograph(&c, &cut).image).unwrap();
    assert_eq!(a.instruction.code, "FIT_DOCUMENT_IN_FRAME", "{:?}", a.document);
    // Far: about 20 px between the portrait's eyes in a 640x480 frame.
    let far = shot((640, 480), 0.0, [0.0, 0.0], 0.34, 33);
    let photo = cards::photograph(&c, &far);
    assert!(photo.portrait_eye_dist < 28.0);
    let a = sdk().analyze_document(&photo.image).unwrap();
    assert!(a.document.is_some(), "far card not found");
    assert_eq!(a.instruction.code, "MOVE_CLOSER");
    assert!(a.instruction.value.unwrap() < a.instruction.limit.unwrap());
}

#[test]
fn a_card_brought_closer_and_held_is_captured_with_a_frame_from_the_hold() {
    let c = card(Format::Id1, Print::Colour, 5);
    let fps = 8;
    let mut session = DocumentSession::new(DocumentSessionOptions::default()).unwrap();
    let (mut kept, mut done_at, mut codes) = (None, None, Vec::<&str>::new());
    for i in 0..cards::approach_frame_count(fps) {
        let t = i as f64 * 1000.0 / fps as f64;
        let frame = cards::approach_frame(&c, 640, 480, fps, i);
        let f = sdk().detect_document_for_video(&frame, t).unwrap();
        assert!(f.portrait.as_ref().is_none_or(|p| p.face.embedding.is_none()), "no embedding per frame");
        let u = session.update(&f).unwrap();
        if codes.last() != Some(&u.instruction.code) {
            codes.push(u.instruction.code);
        }
        if u.keep_frame {
            kept = Some(t);
        }
        if u.done {
            done_at = Some(t);
            break;
        }
    }
    let summary = session.summary();
    println!("instructions {codes:?}, captured at {done_at:?}, kept {kept:?}");
    assert_eq!(summary.state, State::Captured, "{summary:?}");
    let (kept, done) = (kept.unwrap(), done_at.unwrap());
    assert_eq!(summary.frame_timestamp_ms, Some(kept));
    assert!(done - kept <= 800.0 + 1.0 && kept <= done, "kept frame {kept} outside the hold window ending {done}");
    assert_eq!(codes.last(), Some(&"OK"));
}

#[test]
fn bad_inputs_give_not_found_never_a_panic() {
    for (w, h) in [(1, 1), (2, 3), (16, 16), (4000, 8), (8, 3000), (31, 33)] {
        let img = RgbImage::from_raw(w, h, vec![200; (w * h * 3) as usize]).unwrap();
        let a = sdk().analyze_document(&img).unwrap();
        assert!(a.document.is_none() && a.portrait.is_none(), "{w}x{h}");
        assert_eq!(a.instruction.code, "DOCUMENT_NOT_FOUND");
        let f = sdk().detect_document_for_video(&img, 1.0).unwrap();
        assert_eq!(f.instruction.code, "DOCUMENT_NOT_FOUND");
    }
    let img = RgbImage::from_raw(64, 64, vec![0; 64 * 64 * 3]).unwrap();
    assert_eq!(sdk().detect_document_for_video(&img, f64::NAN).unwrap_err().code.as_str(), "INVALID_ARGUMENT");
    // A card-shaped scan (the whole image is the card) is analysed as the card.
    let c = card(Format::Id1, Print::Colour, 9);
    let a = sdk().analyze_document(&c.image).unwrap();
    assert!(a.document.is_some() && a.portrait.is_some(), "a flat scan of the card: {:?}", a.instruction);
}

#[test]
fn the_analysis_serialises_with_the_contracts_names() {
    let c = card(Format::Id3, Print::Grey, 16);
    let a = sdk().analyze_document(&cards::photograph(&c, &shot((640, 480), 5.0, [18.0, 0.0], 0.7, 106)).image).unwrap();
    let v = serde_json::to_value(&a).unwrap();
    assert!(v.get("card").is_none(), "the rectified image is not serialised");
    for k in ["width", "height", "document", "portrait", "ghost_faces", "instruction"] {
        assert!(v.get(k).is_some(), "{k} missing");
    }
    // The name only: this ID-3 page is currently read as ID-1 (see docs/document.md, what fails).
    assert!(v["document"]["format"] == "ID-3" || v["document"]["format"] == "ID-1", "{}", v["document"]);
    let p = &v["portrait"];
    for k in ["x1", "embedding", "box_in_card", "box_in_frame", "eye_dist_frame", "sharpness", "glare", "print"] {
        assert!(p.get(k).is_some(), "portrait.{k} missing: {p}");
    }
    assert!(p["print"] == "grey" || p["print"] == "colour", "{}", p["print"]);
    assert!(v["instruction"]["code"].is_string());
}
