//! The document generator (tests/common/cards.rs) keeps its promises: the truth it reports is
//! where things are in the picture, shots fit their frames, glare shots glare on the portrait,
//! a seed gives the same picture, odd specs do not panic, and the eye distance it predicts is
//! what the detector measures on the printed portrait.

mod common;

use common::cards::{self, Card, CardSpec, Format, Glare, Print, Shot, ShotKind};
use likeness::raster::RgbImage;
use likeness::AnalyzeOptions;

fn golden_portrait(name: &str) -> RgbImage {
    let img = common::fixture(&format!("{name}.png"));
    let face = &common::sdk().analyze(&img, &AnalyzeOptions::default()).expect("analyze").faces[0];
    cards::portrait_crop_around(&img, [face.x1, face.y1, face.x2, face.y2])
}

fn card(format: Format, seed: u64) -> Card {
    let portrait = golden_portrait("obama_640x480");
    cards::render_card(&CardSpec { format, portrait, print: Print::Colour, ghost: true, seed, width_px: 1012 })
}

fn clean_shot() -> Shot {
    Shot { centre: [640.0, 360.0], card_width: 700.0, rotation_deg: 20.0, tilt: [10.0, -12.0], ..Shot::default() }
}

fn mean_rgb(img: &RgbImage, at: [f32; 2], r: i64) -> [f32; 3] {
    let (mut sum, mut n) = ([0f32; 3], 0f32);
    for dy in -r..=r {
        for dx in -r..=r {
            if let Some(p) = img.pixel(at[0] as i64 + dx, at[1] as i64 + dy) {
                (0..3).for_each(|c| sum[c] += p[c] as f32);
                n += 1.0;
            }
        }
    }
    sum.map(|s| s / n.max(1.0))
}

fn centre(q: &[[f32; 2]; 4]) -> [f32; 2] {
    [q.iter().map(|p| p[0]).sum::<f32>() / 4.0, q.iter().map(|p| p[1]).sum::<f32>() / 4.0]
}

#[test]
fn truth_points_at_the_card_and_its_portrait() {
    let card = card(Format::Id1, 3);
    let photo = cards::photograph(&card, &clean_shot());
    // The portrait's centre in the frame shows the portrait's centre on the card.
    let b = card.portrait_box;
    let on_card = mean_rgb(&card.image, [(b[0] + b[2]) / 2.0, (b[1] + b[3]) / 2.0], 3);
    let in_frame = mean_rgb(&photo.image, centre(&photo.portrait_quad), 2);
    // The shot's lamp and colour cast change the level by up to ~20 %.
    for c in 0..3 {
        assert!((on_card[c] - in_frame[c]).abs() < 0.25 * on_card[c] + 12.0, "portrait centre: card {on_card:?} vs frame {in_frame:?}");
    }
    // Just outside each corner (along the diagonal from the centre) is the desk, just inside is the card's paper.
    let c = centre(&photo.corners);
    for p in photo.corners {
        let dir = [p[0] - c[0], p[1] - c[1]];
        let len = (dir[0].powi(2) + dir[1].powi(2)).sqrt();
        let inside = [p[0] - dir[0] / len * 40.0, p[1] - dir[1] / len * 40.0];
        let paper = mean_rgb(&photo.image, inside, 1);
        assert!(paper.iter().sum::<f32>() / 3.0 > 60.0, "inside corner {p:?} is the card: {paper:?}");
    }
    // The card's corners as read: TL is where the header starts, so the TL->TR edge points along
    // the shot's rotation (20° clockwise).
    let [tl, tr, ..] = photo.corners;
    let angle = (tr[1] - tl[1]).atan2(tr[0] - tl[0]).to_degrees();
    assert!((angle - 20.0).abs() < 10.0, "top edge at {angle:.1}°");
}

#[test]
fn a_seed_gives_the_same_photo_and_another_seed_another() {
    let card = card(Format::Id3, 9);
    let a = cards::photograph(&card, &cards::random_shot(5, ShotKind::Hard));
    let b = cards::photograph(&card, &cards::random_shot(5, ShotKind::Hard));
    let c = cards::photograph(&card, &cards::random_shot(6, ShotKind::Hard));
    assert_eq!(a.image, b.image);
    assert_eq!(a.corners, b.corners);
    assert_ne!(a.image.as_raw(), c.image.as_raw());
}

#[test]
fn random_shots_keep_the_card_in_the_frame_within_their_ranges() {
    for kind in ShotKind::ALL {
        for seed in 0..150 {
            let shot = cards::random_shot(seed, kind);
            let aspect = if seed % 2 == 0 { Format::Id1 } else { Format::Id3 }.aspect();
            let corners = cards::card_corners(1000.0, 1000.0 / aspect, &shot);
            for p in corners {
                assert!(
                    p[0] >= 0.0 && p[1] >= 0.0 && p[0] <= shot.frame_w as f32 && p[1] <= shot.frame_h as f32,
                    "{kind:?} seed {seed}: corner {p:?} outside {}x{}",
                    shot.frame_w,
                    shot.frame_h
                );
            }
            assert!((0.0..=2.5).contains(&shot.blur_sigma) && (0.0..=8.0).contains(&shot.noise_sigma), "{kind:?} {seed}");
            assert!(shot.glare.len() <= 2, "{kind:?} {seed}: {} glare spots", shot.glare.len());
        }
    }
}

#[test]
fn glare_shots_glare_on_the_portrait_and_the_frame_shows_it() {
    for (i, format) in [Format::Id1, Format::Id3].into_iter().enumerate() {
        let card = card(format, 20 + i as u64);
        for seed in 0..12 {
            let shot = Shot { blur_sigma: 0.0, noise_sigma: 0.0, jpeg_quality: None, light: 1.0, ..cards::random_shot(seed, ShotKind::Glare) };
            let photo = cards::photograph(&card, &shot);
            assert!(photo.glare_on_portrait, "{format:?} seed {seed}: portrait glare {:.3}", photo.portrait_glare);
            // The spot's centre, mapped into the frame, is near white.
            let g = shot.glare[0];
            let (cw, ch) = (card.image.width() as f32, card.image.height() as f32);
            let h = photo.homography;
            let (x, y) = (g.centre[0] * cw, g.centre[1] * ch);
            let w = h[6] * x as f64 + h[7] * y as f64 + h[8];
            let at = [((h[0] * x as f64 + h[1] * y as f64 + h[2]) / w) as f32, ((h[3] * x as f64 + h[4] * y as f64 + h[5]) / w) as f32];
            let rgb = mean_rgb(&photo.image, at, 1);
            assert!(rgb.iter().all(|&v| v > 235.0), "{format:?} seed {seed}: glare centre {rgb:?}");
        }
    }
    // And without glare the portrait has none.
    let photo = cards::photograph(&card(Format::Id1, 1), &clean_shot());
    assert!(!photo.glare_on_portrait && photo.portrait_glare == 0.0);
}

#[test]
fn odd_specs_do_not_panic() {
    let tiny = RgbImage::from_raw(1, 1, vec![10, 20, 30]).expect("1x1");
    for format in [Format::Id1, Format::Id3] {
        let card = cards::render_card(&CardSpec { format, portrait: tiny.clone(), print: Print::Grey, ghost: true, seed: 0, width_px: 0 });
        assert!(card.image.width() >= 200);
        let shots = [
            Shot { frame_w: 0, frame_h: 0, card_width: f32::NAN, centre: [f32::INFINITY, -1e30], ..Shot::default() },
            Shot { tilt: [89.0, -500.0], rotation_deg: 1e9, card_width: 1e9, blur_sigma: 1e6, noise_sigma: -4.0, jpeg_quality: Some(0), light: -1.0, ..Shot::default() },
            Shot { glare: vec![Glare { centre: [f32::NAN, 9.0], radius: 0.0, strength: 7.0 }], background_face: Some(tiny.clone()), ..Shot::default() },
        ];
        for shot in &shots {
            let photo = cards::photograph(&card, shot);
            assert!(photo.image.width() >= 16 && photo.image.height() >= 16);
        }
    }
    assert_eq!(cards::portrait_crop(&tiny, 0.0).as_raw().len() % 3, 0);
}

#[test]
fn background_faces_stay_off_the_card() {
    let card = card(Format::Id1, 4);
    let face = golden_portrait("biden");
    let mut placed = 0;
    for seed in 0..20 {
        let shot = Shot { background_face: Some(face.clone()), ..cards::random_shot(seed, ShotKind::Typical) };
        let photo = cards::photograph(&card, &shot);
        let Some(q) = photo.background_face_quad else { continue };
        placed += 1;
        let (fb, cb) = (bbox(&q), bbox(&photo.corners));
        let apart = fb[2] < cb[0] || fb[0] > cb[2] || fb[3] < cb[1] || fb[1] > cb[3];
        assert!(apart, "seed {seed}: the face {fb:?} overlaps the card {cb:?}");
    }
    assert!(placed >= 10, "a background face was placed in only {placed} of 20 shots");
}

fn bbox(q: &[[f32; 2]; 4]) -> [f32; 4] {
    let xs = q.map(|p| p[0]);
    let ys = q.map(|p| p[1]);
    [xs.iter().copied().fold(f32::MAX, f32::min), ys.iter().copied().fold(f32::MAX, f32::min), xs.iter().copied().fold(f32::MIN, f32::max), ys.iter().copied().fold(f32::MIN, f32::max)]
}

/// The predicted eye distance (the truth the measurements plot against) is what the detector
/// finds on the flat card, for the golden photos (cropped around their face) and LFW photos
/// (`portrait_crop`, when the dataset is there); and the largest face on the card is the main
/// portrait, never the ghost.
#[test]
fn predicted_eye_distance_matches_the_detector() {
    let mut portraits: Vec<(String, RgbImage)> = ["obama_640x480", "biden", "obama3"].iter().map(|n| (n.to_string(), golden_portrait(n))).collect();
    let lfw = common::root().join("../shared/datasets/lfw");
    if lfw.is_dir() {
        for name in ["George_W_Bush/George_W_Bush_0001.jpg", "Serena_Williams/Serena_Williams_0001.jpg", "Hugo_Chavez/Hugo_Chavez_0001.jpg", "Laura_Bush/Laura_Bush_0001.jpg", "Colin_Powell/Colin_Powell_0001.jpg", "Gerhard_Schroeder/Gerhard_Schroeder_0001.jpg"] {
            let path = lfw.join(name);
            if path.is_file() {
                portraits.push((name.to_string(), cards::portrait_crop(&common::load(&path), cards::PORTRAIT_CROP_SCALE)));
            }
        }
    } else {
        eprintln!("SKIPPED (LFW part): {} not found", lfw.display());
    }
    let mut ratios = Vec::new();
    for (i, (name, portrait)) in portraits.into_iter().enumerate() {
        let format = if i % 2 == 0 { Format::Id1 } else { Format::Id3 };
        let card = cards::render_card(&CardSpec { format, portrait, print: Print::Grey, ghost: true, seed: i as u64, width_px: 1012 });
        let faces = common::sdk().analyze(&card.image, &AnalyzeOptions::default()).expect("analyze").faces;
        let main = faces.iter().max_by(|a, b| (a.x2 - a.x1).total_cmp(&(b.x2 - b.x1))).unwrap_or_else(|| panic!("{name}: no face on the card"));
        let (cx, cy) = ((main.x1 + main.x2) / 2.0, (main.y1 + main.y2) / 2.0);
        let b = card.portrait_box;
        assert!(cx > b[0] && cx < b[2] && cy > b[1] && cy < b[3], "{name}: the largest face is not the main portrait");
        let ratio = main.eye_dist / card.eye_dist;
        eprintln!("{name}: detected eye distance {:.1} px, predicted {:.1} ({ratio:.2})", main.eye_dist, card.eye_dist);
        ratios.push(ratio);
        assert!((0.75..1.33).contains(&ratio), "{name}: detected {:.1} px, predicted {:.1}", main.eye_dist, card.eye_dist);
    }
    let mean = ratios.iter().sum::<f32>() / ratios.len() as f32;
    eprintln!("mean detected/predicted eye distance: {mean:.3} over {}", ratios.len());
}
