//! The report: `report.md` (for people), `report.json` (every number, for scripts) and
//! `det.svg` (the DET curve: FNMR against FMR on log axes, hand-written SVG).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use crate::error::{Error, ErrorCode, Result};
use crate::eval::metrics::Rate;
use crate::eval::{AllVsAllReport, ErcPoint, EvalReport, EvalRun, PresetResult, RuleBand, SplitReport, FOLDS};

/// Writes `report.md`, `report.json` and `det.svg` into `dir` (created if needed); returns the
/// three paths. A write failure is `STORAGE_FAILED`.
pub fn write(dir: &Path, run: &EvalRun) -> Result<[PathBuf; 3]> {
    let fail = |p: &Path, e: std::io::Error| Error::storage(format!("cannot write {}: {e}", p.display()));
    std::fs::create_dir_all(dir).map_err(|e| fail(dir, e))?;
    let json = serde_json::to_string_pretty(&run.report).map_err(|e| Error::new(ErrorCode::Internal, e.to_string()))?;
    let paths = [dir.join("report.md"), dir.join("report.json"), dir.join("det.svg")];
    let bodies = [markdown(&run.report), json + "\n", det_svg(run)];
    for (p, body) in paths.iter().zip(bodies) {
        std::fs::write(p, body).map_err(|e| fail(p, e))?;
    }
    Ok(paths)
}

/// A small rate in scientific notation (`2.67e-5`), 0 as `0`.
pub fn sci(x: f64) -> String {
    if x == 0.0 {
        "0".into()
    } else {
        format!("{x:.2e}")
    }
}

/// A rate as a percentage with two decimals.
pub fn pct(x: f64) -> String {
    format!("{:.2} %", x * 100.0)
}

fn far_cell(r: &Rate) -> String {
    format!("{} [{}, {}] ({} / {})", sci(r.rate), sci(r.ci95[0]), sci(r.ci95[1]), r.errors, r.trials)
}

fn frr_cell(r: &Rate) -> String {
    format!("{} [{}, {}] ({} / {})", pct(r.rate), pct(r.ci95[0]), pct(r.ci95[1]), r.errors, r.trials)
}

fn opt(x: Option<f64>) -> String {
    x.map_or("–".into(), |v| format!("{v:.4}"))
}

fn preset_table(out: &mut String, presets: &[PresetResult]) {
    let _ = writeln!(out, "| preset | threshold | FAR [95 % CI] (false accepts / impostor pairs) | FRR [95 % CI] (false rejects / genuine pairs) |");
    let _ = writeln!(out, "|---|---|---|---|");
    for p in presets {
        let _ = writeln!(out, "| {} | {} | {} | {} |", p.name, p.threshold, far_cell(&p.far), frr_cell(&p.frr));
    }
}

/// report.md.
pub fn markdown(r: &EvalReport) -> String {
    let m = &r.meta;
    let mut s = String::new();
    let _ = writeln!(s, "# Likeness evaluation — {} images\n", m.variant);
    let _ = writeln!(s, "- date: {} · machine: {} · {} threads · likeness {}", m.date_utc, m.machine, m.threads, m.likeness_version);
    let _ = writeln!(s, "- dataset: `{}`{}", m.dataset, m.pairs_file.as_ref().map_or(String::new(), |p| format!(" · pairs: `{p}`")));
    let _ = writeln!(s, "- analysis: the largest face of each image (`likeness analyze --limit 1`), variant `{}`", m.variant);
    let _ = writeln!(s, "- model key: `{}`", &m.model_key[..16.min(m.model_key.len())]);
    let _ = writeln!(s, "- cache: {} · {} from cache, {} embedded now", m.cache, m.cache_hits, m.embedded_now);
    let _ = writeln!(s, "- time: embedding {:.1} s, scoring {:.1} s, total {:.1} s", m.seconds_embed, m.seconds_score, m.seconds_total);
    let _ = writeln!(s, "- intervals: {}; scores binned at {} of cosine; accept when similarity ≥ threshold\n", m.confidence_intervals, m.histogram_bin_width);

    let e = &r.enrolment;
    let _ = writeln!(s, "## Enrolment\n");
    let _ = writeln!(
        s,
        "{} images of {} identities; {} enrolled; failure to enrol {} ({} images) [{}, {}].",
        e.images, e.identities, e.enrolled, pct(e.failure_to_enrol.rate), e.failure_to_enrol.errors,
        pct(e.failure_to_enrol.ci95[0]), pct(e.failure_to_enrol.ci95[1])
    );
    if !e.failures_by_code.is_empty() {
        let codes: Vec<String> = e.failures_by_code.iter().map(|(c, n)| format!("{c} {n}")).collect();
        let _ = writeln!(s, "By code: {}.", codes.join(", "));
        let shown: Vec<String> = e.failures.iter().take(20).map(|f| format!("`{}` ({})", f.path, f.code)).collect();
        let more = e.failures.len().saturating_sub(20);
        let _ = writeln!(s, "Failed: {}{}.", shown.join(", "), if more > 0 { format!(" and {more} more (report.json)") } else { String::new() });
    }
    let _ = writeln!(s);

    if let Some(p) = &r.pairs {
        let _ = writeln!(s, "## Pairs protocol\n");
        let _ = writeln!(
            s,
            "{} same-person and {} different-person pairs ({} lines skipped: identity not in the dataset; {} pairs with an image that failed to enrol, scored −1 = rejected). Mean similarity: same {}, different {}.\n",
            p.genuine_pairs, p.impostor_pairs, p.skipped_not_in_dataset, p.with_failed_image, opt(p.mean_genuine), opt(p.mean_impostor)
        );
        match &p.folds {
            Some(f) => {
                let _ = writeln!(
                    s,
                    "**Accuracy {:.2} % ± {:.2}** (mean ± std over {} stratified folds: each kind cut into {} contiguous blocks in file order; threshold chosen on the other {} folds).\n",
                    f.mean * 100.0, f.std * 100.0, f.folds, f.folds, f.folds - 1
                );
                let accs: Vec<String> = f.accuracies.iter().map(|a| format!("{:.2}", a * 100.0)).collect();
                let ts: Vec<String> = f.thresholds.iter().map(|t| format!("{t:.3}")).collect();
                let _ = writeln!(s, "Per fold: {} %; thresholds {}.\n", accs.join(", "), ts.join(", "));
            }
            None => {
                let _ = writeln!(s, "Fewer than {FOLDS} pairs of a kind: no fold accuracy.\n");
            }
        }
    }

    let a = &r.all_vs_all;
    let _ = writeln!(s, "## All-vs-all (at most {} images per identity)\n", m.cap_per_identity);
    let _ = writeln!(
        s,
        "{} images of {} identities (the first {} files of each), {} enrolled: **{} genuine and {} impostor pairs** ({} genuine and {} impostor pairs lost to failure to enrol). Mean similarity: genuine {}, impostor {}.\n",
        a.images_capped, a.identities, m.cap_per_identity, a.images_enrolled, a.genuine_pairs, a.impostor_pairs,
        a.genuine_lost_to_fte, a.impostor_lost_to_fte, opt(a.mean_genuine), opt(a.mean_impostor)
    );
    let _ = writeln!(s, "| FAR target | threshold | TAR | FAR [95 % CI] (count) | FRR [95 % CI] (count) |");
    let _ = writeln!(s, "|---|---|---|---|---|");
    for t in &a.tar_at_far {
        let mark = if t.observable { "" } else { " †" };
        let _ = writeln!(s, "| {}{mark} | {} | **{}** | {} | {} |", sci(t.far_target), t.threshold, pct(t.tar), far_cell(&t.far), frr_cell(&t.frr));
    }
    if a.tar_at_far.iter().any(|t| !t.observable) {
        let _ = writeln!(s, "\n† fewer than 1/target impostor pairs: the target is not observable; the threshold is the one just above every impostor score.");
    }
    let _ = writeln!(s, "\nThe current presets (src/constants.rs):\n");
    preset_table(&mut s, &a.presets);
    let _ = writeln!(s, "\n### By face size\n\nBand = the smaller of the two faces' inter-eye distances (px, in the analysed image).\n");
    for b in &a.bands {
        let _ = writeln!(
            s,
            "**{}**: {} genuine, {} impostor pairs; mean similarity genuine {}, impostor {}.\n",
            b.band, b.genuine_pairs, b.impostor_pairs, opt(b.mean_genuine), opt(b.mean_impostor)
        );
        if b.genuine_pairs + b.impostor_pairs > 0 {
            preset_table(&mut s, &b.presets);
            let _ = writeln!(s);
        }
    }

    rule_section(&mut s, a, r.split.as_ref());
    erc_section(&mut s, &a.error_versus_reject);

    if let Some(sp) = &r.split {
        let _ = writeln!(s, "## Split calibration\n\n{}.\n", sp.method);
        let _ = writeln!(
            s,
            "Half A: {} identities, {} images, {} genuine / {} impostor pairs. Half B: {} identities, {} images, {} genuine / {} impostor pairs.\n",
            sp.half_a.identities, sp.half_a.images, sp.half_a.genuine_pairs, sp.half_a.impostor_pairs,
            sp.half_b.identities, sp.half_b.images, sp.half_b.genuine_pairs, sp.half_b.impostor_pairs
        );
        let _ = writeln!(s, "| preset | current | FAR target | threshold on A | A: FAR | A: FRR | B (held out): FAR [95 % CI] (count) | B: FRR [95 % CI] (count) |");
        let _ = writeln!(s, "|---|---|---|---|---|---|---|---|");
        for p in &sp.proposals {
            let _ = writeln!(
                s,
                "| {} | {} | {}{} | **{}** | {} | {} | {} | {} |",
                p.preset, p.current_threshold, sci(p.far_target), if p.observable { "" } else { " †" }, p.threshold, sci(p.a_far.rate), pct(p.a_frr.rate),
                far_cell(&p.b_far), frr_cell(&p.b_frr)
            );
        }
        if sp.proposals.iter().any(|p| !p.observable) {
            let _ = writeln!(s, "\n† half A has fewer than 1/target impostor pairs: the target is not observable there.");
        }
        let _ = writeln!(s, "\nProposed values only: src/constants.rs is not changed by this harness.\n");
        quality_calibration_section(&mut s, sp);
    }
    let _ = writeln!(s, "DET curve: `det.svg`. Every number: `report.json`.");
    s
}

fn rule_preset_table(out: &mut String, bands: &[RuleBand]) {
    let _ = writeln!(out, "| band | refused (genuine / impostor) | strict FAR | strict FRR | medium FAR | medium FRR | low FAR | low FRR |");
    let _ = writeln!(out, "|---|---|---|---|---|---|---|---|");
    for b in bands {
        if b.presets.iter().all(|p| p.far.trials + p.frr.trials == 0) && b.refused_genuine + b.refused_impostor == 0 {
            continue;
        }
        let cells: Vec<String> = b
            .presets
            .iter()
            .map(|p| format!("{} ({}/{}) | {} ({}/{})", sci(p.far.rate), p.far.errors, p.far.trials, pct(p.frr.rate), p.frr.errors, p.frr.trials))
            .collect();
        let _ = writeln!(out, "| {} | {} / {} | {} |", b.band, b.refused_genuine, b.refused_impostor, cells.join(" | "));
    }
}

/// "Quality-aware decisions": the pairs decided as `compare()` does.
fn rule_section(s: &mut String, a: &AllVsAllReport, split: Option<&SplitReport>) {
    let r = &a.rule;
    let _ = writeln!(s, "## Quality-aware decisions (as `compare()` decides)
");
    let _ = writeln!(
        s,
        "Each preset's threshold plus `quality_offset(d)` of each face, d its inter-eye distance (src/constants.rs `QUALITY_OFFSETS`); pairs with a face of under {} px between the eyes are refused (`QUALITY_TOO_LOW`): {} genuine and {} impostor pairs here. FAR and FRR are over the decided pairs.\n",
        r.min_eye_dist, r.refused_genuine, r.refused_impostor
    );
    preset_table(s, &r.presets);
    let _ = writeln!(s, "\nBy face size (all pairs):\n");
    rule_preset_table(s, &r.bands);
    if let Some(sp) = split.filter(|sp| !sp.rule_held_out.is_empty()) {
        let _ = writeln!(s, "\nBy face size, held-out half B only (its pairs took no part in choosing the thresholds or offsets):\n");
        rule_preset_table(s, &sp.rule_held_out);
    }
    let _ = writeln!(s);
}

/// "Error versus reject": FNMR as the lowest-quality genuine pairs are refused.
fn erc_section(s: &mut String, erc: &[ErcPoint]) {
    if erc.is_empty() {
        return;
    }
    let _ = writeln!(s, "## Error versus reject\n");
    let _ = writeln!(s, "FNMR at each preset's plain threshold over the genuine pairs left when the given share, those with the smallest faces (smaller inter-eye distance of the pair), is refused first — NIST's error-versus-reject curve for inter-eye distance as the quality measure.\n");
    let _ = writeln!(s, "| refused | refused below (px) | strict FNMR | medium FNMR | low FNMR |");
    let _ = writeln!(s, "|---|---|---|---|---|");
    for p in erc {
        let _ = writeln!(s, "| {} | {:.1} | {} | {} | {} |", pct(p.rejected), p.min_eye_dist, pct(p.fnmr[0]), pct(p.fnmr[1]), pct(p.fnmr[2]));
    }
    let _ = writeln!(s);
}

/// The quality offsets half A asks for, beside the ones the SDK applies.
fn quality_calibration_section(s: &mut String, sp: &SplitReport) {
    if sp.quality_calibration.is_empty() {
        return;
    }
    let _ = writeln!(s, "### Quality offsets measured on half A\n");
    let _ = writeln!(s, "Per band: the threshold that holds each FAR target on half A's pairs of that band, and its offset from the threshold of the pairs whose smaller face is at or above the quality table's last point (–: under 10/target impostor pairs). `sdk` = `quality_offset` at the band's middle: what the SDK adds for one face of that size beside a full-size one (two small faces get it twice).\n");
    let _ = writeln!(s, "| band | impostor pairs (A) | 1e-3: threshold (offset) | 1e-4: threshold (offset) | 1e-5: threshold (offset) | sdk |");
    let _ = writeln!(s, "|---|---|---|---|---|---|");
    for q in &sp.quality_calibration {
        let cells: Vec<String> = q
            .targets
            .iter()
            .map(|(_, t, o)| match (t, o) {
                (Some(t), Some(o)) => format!("{t:.4} ({o:+.4})"),
                (Some(t), None) => format!("{t:.4}"),
                _ => "–".into(),
            })
            .collect();
        let _ = writeln!(s, "| {} | {} | {} | {:.4} |", q.band, q.impostor_pairs_a, cells.join(" | "), q.sdk_offset);
    }
    let _ = writeln!(s);
}

/// det.svg: FNMR (false non-match rate) against FMR (false match rate), both log10, for all
/// pairs and per face-size band (bands with ≥ 50 genuine and ≥ 1000 impostor pairs), with the
/// presets marked.
pub fn det_svg(run: &EvalRun) -> String {
    let (w, h, left, right, top, bottom) = (720.0f64, 540.0f64, 70.0, 170.0, 40.0, 60.0);
    let all = &run.scores.raw.all;
    let (ng, ni) = (all.genuine.total().max(1) as f64, all.impostor.total().max(1) as f64);
    let xmin = (1.0 / ni).log10().floor().clamp(-9.0, -1.0);
    let ymin = (1.0 / ng).log10().floor().clamp(-9.0, -1.0);
    let px = |fmr: f64| left + (fmr.log10() - xmin) / -xmin * (w - left - right);
    let py = |fnmr: f64| top + (1.0 - (fnmr.log10() - ymin) / -ymin) * (h - top - bottom);
    let mut s = String::new();
    let _ = writeln!(s, r#"<?xml version="1.0" encoding="UTF-8"?>"#);
    let _ = writeln!(s, r#"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" font-family="sans-serif" font-size="12">"#);
    let _ = writeln!(s, r#"<rect width="{w}" height="{h}" fill="white"/>"#);
    let _ = writeln!(
        s,
        r#"<text x="{}" y="22" text-anchor="middle" font-size="14">DET — {} ({} genuine, {} impostor pairs)</text>"#,
        (left + w - right) / 2.0, run.report.meta.variant, all.genuine.total(), all.impostor.total()
    );
    // Grid and axes.
    for d in (xmin as i32)..=0 {
        let x = px(10f64.powi(d));
        let _ = writeln!(s, r##"<line x1="{x:.1}" y1="{top}" x2="{x:.1}" y2="{}" stroke="#ddd"/>"##, h - bottom);
        let _ = writeln!(s, r#"<text x="{x:.1}" y="{}" text-anchor="middle">1e{d}</text>"#, h - bottom + 16.0);
    }
    for d in (ymin as i32)..=0 {
        let y = py(10f64.powi(d));
        let _ = writeln!(s, r##"<line x1="{left}" y1="{y:.1}" x2="{}" y2="{y:.1}" stroke="#ddd"/>"##, w - right);
        let _ = writeln!(s, r#"<text x="{}" y="{:.1}" text-anchor="end">1e{d}</text>"#, left - 6.0, y + 4.0);
    }
    let _ = writeln!(s, r#"<rect x="{left}" y="{top}" width="{}" height="{}" fill="none" stroke="black"/>"#, w - left - right, h - top - bottom);
    let _ = writeln!(s, r#"<text x="{}" y="{}" text-anchor="middle">FMR (false match rate, impostor pairs accepted)</text>"#, (left + w - right) / 2.0, h - 18.0);
    let _ = writeln!(s, r#"<text transform="translate(18 {}) rotate(-90)" text-anchor="middle">FNMR (false non-match rate, genuine pairs rejected)</text>"#, (top + h - bottom) / 2.0);
    let polyline = |hist: &crate::eval::metrics::ScoreHistograms| -> String {
        let mut pts = String::new();
        let mut last = (f64::NAN, f64::NAN);
        for (_, fmr, fnmr) in hist.det() {
            if fmr <= 0.0 || fnmr <= 0.0 || fmr.log10() < xmin || fnmr.log10() < ymin {
                continue;
            }
            // Half-pixel steps: finer is invisible and only makes the file larger.
            let p = ((px(fmr) * 2.0).round() / 2.0, (py(fnmr) * 2.0).round() / 2.0);
            if p != last {
                let _ = write!(pts, "{:.1},{:.1} ", p.0, p.1);
                last = p;
            }
        }
        pts
    };
    let colours = ["#d62728", "#ff7f0e", "#2ca02c", "#1f77b4", "#9467bd", "#8c564b"];
    let mut legend = vec![("all pairs".to_string(), "black".to_string(), 2.5)];
    for (b, (hist, band)) in run.scores.raw.bands.iter().zip(&run.report.all_vs_all.bands).enumerate() {
        if hist.genuine.total() < 50 || hist.impostor.total() < 1000 {
            continue;
        }
        let c = colours[b % colours.len()];
        let _ = writeln!(s, r#"<polyline fill="none" stroke="{c}" stroke-width="1.2" points="{}"/>"#, polyline(hist).trim_end());
        legend.push((format!("eyes {}", band.band), c.to_string(), 1.2));
    }
    let _ = writeln!(s, r#"<polyline fill="none" stroke="black" stroke-width="2.5" points="{}"/>"#, polyline(all).trim_end());
    for p in &run.report.all_vs_all.presets {
        if p.far.rate > 0.0 && p.frr.rate > 0.0 && p.far.rate.log10() >= xmin && p.frr.rate.log10() >= ymin {
            let (x, y) = (px(p.far.rate), py(p.frr.rate));
            let _ = writeln!(s, r#"<circle cx="{x:.1}" cy="{y:.1}" r="4" fill="white" stroke="black" stroke-width="1.5"/>"#);
            let _ = writeln!(s, r#"<text x="{:.1}" y="{:.1}">{} {}</text>"#, x + 6.0, y - 6.0, p.name, p.threshold);
        }
    }
    for (i, (label, colour, width)) in legend.iter().enumerate() {
        let y = top + 10.0 + i as f64 * 18.0;
        let x = w - right + 12.0;
        let _ = writeln!(s, r#"<line x1="{x}" y1="{y}" x2="{}" y2="{y}" stroke="{colour}" stroke-width="{width}"/>"#, x + 22.0);
        let _ = writeln!(s, r#"<text x="{}" y="{}">{}</text>"#, x + 28.0, y + 4.0, label.replace('<', "&lt;"));
    }
    let _ = writeln!(s, "</svg>");
    s
}

/// The current UTC time as `YYYY-MM-DD HH:MM UTC` (the date arithmetic is `clock`'s).
pub fn utc_now() -> String {
    let ms = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0.0, |d| d.as_millis() as f64);
    let iso = crate::clock::iso8601_from_millis(ms);
    // `2026-12-02T15:32:06.090098Z` → `2026-12-02 15:32 UTC`.
    format!("{} {} UTC", &iso[..10], &iso[11..16])
}

/// The CPU model (from /proc/cpuinfo on Linux) and the number of cores.
pub fn machine() -> String {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let model = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|t| t.lines().find(|l| l.starts_with("model name")).and_then(|l| l.split_once(':')).map(|(_, v)| v.trim().to_string()))
        .unwrap_or_else(|| std::env::consts::ARCH.to_string());
    format!("{model}, {cores} cores")
}
