//! Time stamps and random ids, the two things that differ between native and the browser
//! (`std::time::SystemTime` panics on wasm32-unknown-unknown; there we ask JavaScript).

use crate::error::{Error, ErrorCode, Result};

/// Milliseconds since the Unix epoch.
#[cfg(not(target_arch = "wasm32"))]
fn now_millis() -> Result<f64> {
    let d = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_err(|e| Error::new(ErrorCode::Internal, format!("system clock is before 1970: {e}")))?;
    Ok(d.as_secs_f64() * 1000.0)
}

#[cfg(target_arch = "wasm32")]
fn now_millis() -> Result<f64> {
    Ok(js_sys::Date::now())
}

/// `performance.now()`: a monotonic clock in ms for timing (the benchmark hooks), 0 where the
/// global has none.
#[cfg(target_arch = "wasm32")]
pub fn performance_now() -> f64 {
    use js_sys::{Function, Reflect};
    use wasm_bindgen::JsCast;
    Reflect::get(&js_sys::global(), &"performance".into())
        .ok()
        .and_then(|performance| {
            let now: Function = Reflect::get(&performance, &"now".into()).ok()?.dyn_into().ok()?;
            now.call0(&performance).ok()?.as_f64()
        })
        .unwrap_or(0.0)
}

/// Now, as ISO 8601 UTC with microseconds, e.g. `2024-05-01T12:12:06.090098Z`.
pub fn now_iso8601() -> Result<String> {
    Ok(iso8601_from_millis(now_millis()?))
}

/// Formats milliseconds since the epoch (civil-from-days, Howard Hinnant's algorithm).
pub fn iso8601_from_millis(ms: f64) -> String {
    let micros = (ms * 1000.0).round() as i64;
    let secs = micros.div_euclid(1_000_000);
    let frac = micros.rem_euclid(1_000_000);
    let days = secs.div_euclid(86_400);
    let sod = secs.rem_euclid(86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{frac:06}Z",
        sod / 3600,
        (sod / 60) % 60,
        sod % 60
    )
}

/// A random (version 4) UUID.
pub fn uuid_v4() -> Result<String> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes)
        .map_err(|e| Error::new(ErrorCode::Internal, format!("no random source for the scan id: {e}")))?;
    Ok(uuid::Builder::from_random_bytes(bytes).into_uuid().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_known_instants() {
        assert_eq!(iso8601_from_millis(0.0), "1970-01-01T00:00:00.000000Z");
        // 2024-05-01T12:12:06.090Z (seed 004's example, to the millisecond).
        assert_eq!(iso8601_from_millis(1_714_565_526_090.0), "2024-05-01T12:12:06.090000Z");
        assert_eq!(iso8601_from_millis(951_782_400_000.0), "2000-02-29T00:00:00.000000Z");
    }

    #[test]
    fn uuids_are_v4_and_distinct() {
        let (a, b) = (uuid_v4().unwrap_or_default(), uuid_v4().unwrap_or_default());
        assert_eq!(a.len(), 36);
        assert_eq!(&a[14..15], "4");
        assert_ne!(a, b);
    }
}
