//! Writes a fake-camera video for Chromium (`--use-file-for-fake-video-capture=FILE.y4m`), made
//! from the committed golden photos, for the browser tests of the live selfie capture.
//!
//! ```text
//! cargo run --release --example fake_camera -- <guided|empty|still|liveness> OUT.y4m [--fps 15]
//! ```
//!
//! Writes OUT.y4m (640x480, I420, BT.601 limited range: what Chromium assumes for a fake
//! camera's frames), OUT.png (the reference frame: the held good face exactly as the camera
//! sends it, unmirrored; for `empty`, its first frame) and prints one line of JSON on stdout:
//! `{"script","frames","fps","width","height","segments":[{"name","from_ms","to_ms","expect"}],
//! "reference_ms","png","bytes"}`. Chromium loops the file; every script works from its first
//! pass. The scripts and the frames are defined in tests/common/frames.rs, shared with
//! tests/fake_camera.rs, which runs them through `detect_for_video` and the capture session.

#[path = "../tests/common/frames.rs"]
mod frames;

use std::io::BufWriter;
use std::path::PathBuf;
use std::process::ExitCode;

fn usage(msg: &str) -> ExitCode {
    eprintln!("error: {msg}");
    eprintln!("usage: fake_camera <{}> OUT.y4m [--fps N]", frames::SCRIPTS.join("|"));
    ExitCode::from(2)
}

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let (mut positional, mut fps) = (Vec::new(), 15u32);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--fps" => match args.next().and_then(|v| v.parse::<u32>().ok()).filter(|&v| (1..=120).contains(&v)) {
                Some(v) => fps = v,
                None => return usage("--fps takes a whole number of frames a second, 1 to 120"),
            },
            "-h" | "--help" => {
                return usage("help");
            }
            _ if a.starts_with("--") => return usage(&format!("unknown option {a}")),
            _ => positional.push(a),
        }
    }
    let [name, out] = positional.as_slice() else { return usage("a script and an output file are needed") };
    let Some(script) = frames::script(name, fps) else { return usage(&format!("unknown script {name:?}")) };
    let out = PathBuf::from(out);
    let png = out.with_extension("png");

    let started = std::time::Instant::now();
    let file = match std::fs::File::create(&out) {
        Ok(f) => f,
        Err(e) => return usage(&format!("{}: {e}", out.display())),
    };
    let bytes = match frames::write_y4m(&script, &mut BufWriter::with_capacity(1 << 20, file)) {
        Ok(n) => n,
        Err(e) => {
            eprintln!("error: {}: {e}", out.display());
            return ExitCode::FAILURE;
        }
    };
    let reference = script.frame(script.reference_frame);
    if let Err(e) = image::save_buffer(&png, reference.as_raw(), reference.width(), reference.height(), image::ExtendedColorType::Rgb8) {
        eprintln!("error: {}: {e}", png.display());
        return ExitCode::FAILURE;
    }
    eprintln!("{}: {} frames, {bytes} bytes in {:.1} s", out.display(), script.frames(), started.elapsed().as_secs_f64());

    let segments: Vec<serde_json::Value> = script
        .segments
        .iter()
        .map(|s| serde_json::json!({ "name": s.name, "from_ms": s.from_ms, "to_ms": s.to_ms, "expect": s.expect }))
        .collect();
    let summary = serde_json::json!({
        "script": script.name,
        "frames": script.frames(),
        "fps": script.fps,
        "width": script.width,
        "height": script.height,
        "segments": segments,
        "reference_ms": script.timestamp_ms(script.reference_frame),
        "png": png.display().to_string(),
        "bytes": bytes,
    });
    println!("{summary}");
    ExitCode::SUCCESS
}
