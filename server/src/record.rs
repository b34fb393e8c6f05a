//! The scan record of seed 004, validated as JSON rather than deserialised into structs.
//!
//! Why values and not serde types: the server must store exactly what the SDK sent (the SDK may
//! add face fields, e.g. `sharpness`, `liveness`, opted-in `embedding`), yet reject what would
//! break a consumer. So the fields consumers rely on are checked for presence and type, with a
//! message naming the field, and everything else is kept as is. The server does not depend on
//! the `likeness` crate for its types: that would compile tract into the server.

use chrono::{DateTime, NaiveDateTime};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use crate::errors::ApiError;

pub const RESULTS: [&str; 2] = ["Same person", "Different person"];

/// Numeric fields every face must have (seed 004's face object).
const FACE_NUMBERS: [&str; 14] = [
    "x1",
    "y1",
    "x2",
    "y2",
    "eye_dist",
    "face_luminance",
    "face_occlusion",
    "face_quality",
    "left_eye_closed",
    "right_eye_closed",
    "mouth_opened",
    "yaw",
    "pitch",
    "roll",
];
/// Fields the SDK may add; typed when present.
const FACE_OPTIONAL_NUMBERS: [&str; 3] = ["score", "sharpness", "liveness"];
const MAX_CHANNEL_CHARS: usize = 64;
const MAX_REFERENCE_CHARS: usize = 256;
const MAX_EMBEDDING_LEN: usize = 4096;

fn missing(path: &str) -> ApiError {
    ApiError::bad_request("MISSING_FIELD", format!("`{path}` is required"))
}

fn invalid(path: &str, what: &str) -> ApiError {
    ApiError::bad_request("INVALID_FIELD", format!("`{path}` must be {what}"))
}

/// Parses a request body; malformed JSON is a 400 `INVALID_JSON` with serde's position.
pub fn parse_body(bytes: &[u8]) -> Result<Value, ApiError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::bad_request(
            "INVALID_JSON",
            "the request body is empty; a JSON object is expected",
        ));
    }
    serde_json::from_slice(bytes).map_err(|e| {
        ApiError::bad_request("INVALID_JSON", format!("the body is not valid JSON: {e}"))
    })
}

fn as_object(value: &mut Value, what: &str) -> Result<(), ApiError> {
    if value.is_object() {
        Ok(())
    } else {
        Err(ApiError::bad_request(
            "INVALID_BODY",
            format!("the body must be a JSON object ({what})"),
        ))
    }
}

fn require<'a>(obj: &'a Map<String, Value>, key: &str, path: &str) -> Result<&'a Value, ApiError> {
    match obj.get(key) {
        None => Err(missing(path)),
        Some(v) => Ok(v),
    }
}

fn require_number(obj: &Map<String, Value>, key: &str, path: &str) -> Result<f64, ApiError> {
    require(obj, key, path)?
        .as_f64()
        .ok_or_else(|| invalid(path, "a number"))
}

fn require_string<'a>(
    obj: &'a Map<String, Value>,
    key: &str,
    path: &str,
) -> Result<&'a str, ApiError> {
    require(obj, key, path)?
        .as_str()
        .ok_or_else(|| invalid(path, "a string"))
}

/// The canonical form of a UUID (lower-case, hyphenated) or `None` if `text` is not one.
pub fn canonical_uuid(text: &str) -> Option<String> {
    uuid::Uuid::parse_str(text)
        .ok()
        .map(|u| u.hyphenated().to_string())
}

/// ISO 8601 date-time, with an offset (`...Z`, `+02:00`) or without (seed 004's example,
/// `2024-05-01T12:12:06.090098`).
fn is_datetime(text: &str) -> bool {
    DateTime::parse_from_rfc3339(text).is_ok()
        || NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f").is_ok()
}

fn check_points(value: &Value, path: &str, count: usize) -> Result<(), ApiError> {
    let what = format!("an array of {count} {{\"x\", \"y\"}} points");
    let points = value
        .as_array()
        .filter(|a| a.len() == count)
        .ok_or_else(|| invalid(path, &what))?;
    for (i, p) in points.iter().enumerate() {
        let p = p
            .as_object()
            .ok_or_else(|| invalid(&format!("{path}[{i}]"), "an object {\"x\", \"y\"}"))?;
        require_number(p, "x", &format!("{path}[{i}].x"))?;
        require_number(p, "y", &format!("{path}[{i}].y"))?;
    }
    Ok(())
}

fn check_face(value: &Value, path: &str) -> Result<(), ApiError> {
    let face = value
        .as_object()
        .ok_or_else(|| invalid(path, "a face object"))?;
    for key in FACE_NUMBERS {
        require_number(face, key, &format!("{path}.{key}"))?;
    }
    check_points(
        require(face, "landmark_68", &format!("{path}.landmark_68"))?,
        &format!("{path}.landmark_68"),
        68,
    )?;
    for key in FACE_OPTIONAL_NUMBERS {
        match face.get(key) {
            None | Some(Value::Null) | Some(Value::Number(_)) => {}
            Some(_) => return Err(invalid(&format!("{path}.{key}"), "a number")),
        }
    }
    if let Some(v) = face.get("landmark_5") {
        check_points(v, &format!("{path}.landmark_5"), 5)?;
    }
    if let Some(v) = face.get("quality_checks") {
        let ok = v.as_array().is_some_and(|a| a.iter().all(Value::is_string));
        if !ok {
            return Err(invalid(
                &format!("{path}.quality_checks"),
                "an array of strings",
            ));
        }
    }
    match face.get("embedding") {
        None | Some(Value::Null) => {}
        Some(Value::Array(a)) if a.len() <= MAX_EMBEDDING_LEN && a.iter().all(Value::is_number) => {
        }
        Some(_) => {
            return Err(invalid(
                &format!("{path}.embedding"),
                "null or an array of at most 4096 numbers",
            ))
        }
    }
    Ok(())
}

/// Validates a full scan record (the POST body, and a record after a PUT is applied) and puts
/// its `id` in canonical form. Returns the canonical id.
pub fn validate(record: &mut Value) -> Result<String, ApiError> {
    as_object(record, "the scan record")?;
    let Some(obj) = record.as_object_mut() else {
        return Err(ApiError::bad_request(
            "INVALID_BODY",
            "the body must be a JSON object",
        ));
    };
    let id_text = require_string(obj, "id", "id")?;
    let id = canonical_uuid(id_text).ok_or_else(|| invalid("id", "a UUID"))?;
    let channel = require_string(obj, "channel", "channel")?;
    if channel.is_empty() || channel.chars().count() > MAX_CHANNEL_CHARS {
        return Err(invalid("channel", "a string of 1 to 64 characters"));
    }
    let result = require_string(obj, "compare_result", "compare_result")?;
    if !RESULTS.contains(&result) {
        return Err(invalid(
            "compare_result",
            "\"Same person\" or \"Different person\"",
        ));
    }
    let similarity = require_number(obj, "compare_similarity", "compare_similarity")?;
    if !(-1.0..=1.0).contains(&similarity) {
        return Err(invalid(
            "compare_similarity",
            "a number from -1 to 1 (cosine similarity)",
        ));
    }
    let created = require_string(obj, "created", "created")?;
    if !is_datetime(created) {
        return Err(invalid(
            "created",
            "an ISO 8601 date-time, e.g. 2024-05-01T12:12:06.090098Z",
        ));
    }
    match obj.get("reference") {
        None | Some(Value::Null) => {}
        Some(Value::String(s)) if s.chars().count() <= MAX_REFERENCE_CHARS => {}
        Some(_) => {
            return Err(invalid(
                "reference",
                "null or a string of at most 256 characters",
            ))
        }
    }
    check_decision(obj)?;
    check_face(require(obj, "face1", "face1")?, "face1")?;
    check_face(require(obj, "face2", "face2")?, "face2")?;
    obj.insert("id".to_string(), Value::String(id.clone()));
    Ok(id)
}

/// How the verdict was decided (Likeness adds these to seed 004's record; all optional, so
/// records of older clients still validate): a preset name or null, a nominal FAR in (0, 1) or
/// null, a cosine threshold, the mode whose presets decided, the preset's measured FAR/FRR, and
/// in document mode what was found on the ID document.
fn check_decision(obj: &Map<String, Value>) -> Result<(), ApiError> {
    match obj.get("compare_preset") {
        None | Some(Value::Null) => {}
        Some(Value::String(s)) if ["strict", "medium", "low"].contains(&s.as_str()) => {}
        Some(_) => {
            return Err(invalid(
                "compare_preset",
                "\"strict\", \"medium\", \"low\" or null",
            ))
        }
    }
    match obj.get("compare_nominal_far") {
        None | Some(Value::Null) => {}
        Some(v) if v.as_f64().is_some_and(|f| f > 0.0 && f < 1.0) => {}
        Some(_) => {
            return Err(invalid(
                "compare_nominal_far",
                "a false-accept rate between 0 and 1, or null",
            ))
        }
    }
    match obj.get("compare_threshold") {
        None => {}
        Some(v) if v.as_f64().is_some_and(|f| (-1.0..=1.0).contains(&f)) => {}
        Some(_) => {
            return Err(invalid(
                "compare_threshold",
                "a number from -1 to 1 (cosine similarity)",
            ))
        }
    }
    match obj.get("compare_mode") {
        None => {}
        Some(Value::String(s)) if COMPARE_MODES.contains(&s.as_str()) => {}
        Some(_) => return Err(invalid("compare_mode", "\"selfie\" or \"document\"")),
    }
    for key in ["compare_measured_far", "compare_measured_frr"] {
        match obj.get(key) {
            None | Some(Value::Null) => {}
            Some(v) if v.as_f64().is_some_and(|f| (0.0..=1.0).contains(&f)) => {}
            Some(_) => return Err(invalid(key, "a rate from 0 to 1, or null")),
        }
    }
    match obj.get("document") {
        None | Some(Value::Null) => Ok(()),
        Some(v) => check_document(v, "document"),
    }
}

const COMPARE_MODES: [&str; 2] = ["selfie", "document"];
const DOCUMENT_FORMATS: [&str; 2] = ["ID-1", "ID-3"];
const PORTRAIT_PRINTS: [&str; 2] = ["grey", "colour"];

/// Document mode's summary of the ID document (`likeness::scan::DocumentSummary`). `format` and
/// `corners` may be null or missing (no card outline found); the portrait's measures are
/// required.
fn check_document(value: &Value, path: &str) -> Result<(), ApiError> {
    let doc = value
        .as_object()
        .ok_or_else(|| invalid(path, "null or a document object"))?;
    match doc.get("format") {
        None | Some(Value::Null) => {}
        Some(Value::String(s)) if DOCUMENT_FORMATS.contains(&s.as_str()) => {}
        Some(_) => {
            return Err(invalid(
                &format!("{path}.format"),
                "\"ID-1\", \"ID-3\" or null",
            ))
        }
    }
    match doc.get("corners") {
        None | Some(Value::Null) => {}
        Some(v) => {
            let corners_path = format!("{path}.corners");
            let corners = v
                .as_array()
                .filter(|a| a.len() == 4)
                .ok_or_else(|| invalid(&corners_path, "null or an array of 4 [x, y] points"))?;
            for (i, c) in corners.iter().enumerate() {
                let ok = c
                    .as_array()
                    .is_some_and(|p| p.len() == 2 && p.iter().all(Value::is_number));
                if !ok {
                    return Err(invalid(
                        &format!("{corners_path}[{i}]"),
                        "an array [x, y] of two numbers",
                    ));
                }
            }
        }
    }
    let eye_dist = require_number(
        doc,
        "portrait_eye_dist",
        &format!("{path}.portrait_eye_dist"),
    )?;
    if !(eye_dist >= 0.0) {
        return Err(invalid(
            &format!("{path}.portrait_eye_dist"),
            "a number >= 0 (pixels)",
        ));
    }
    let glare = require_number(doc, "portrait_glare", &format!("{path}.portrait_glare"))?;
    if !(0.0..=1.0).contains(&glare) {
        return Err(invalid(
            &format!("{path}.portrait_glare"),
            "a share from 0 to 1",
        ));
    }
    let sharpness = require_number(
        doc,
        "portrait_sharpness",
        &format!("{path}.portrait_sharpness"),
    )?;
    if !(sharpness >= 0.0) {
        return Err(invalid(
            &format!("{path}.portrait_sharpness"),
            "a number >= 0",
        ));
    }
    let print = require(doc, "portrait_print", &format!("{path}.portrait_print"))?;
    if !print.as_str().is_some_and(|s| PORTRAIT_PRINTS.contains(&s)) {
        return Err(invalid(
            &format!("{path}.portrait_print"),
            "\"grey\" or \"colour\"",
        ));
    }
    Ok(())
}

/// Every number as an f64, so that `1` and `1.0` hash alike.
fn normalise_numbers(value: &Value) -> Value {
    match value {
        Value::Number(n) => n
            .as_f64()
            .and_then(serde_json::Number::from_f64)
            .map(Value::Number)
            .unwrap_or_else(|| value.clone()),
        Value::Array(a) => Value::Array(a.iter().map(normalise_numbers).collect()),
        Value::Object(o) => Value::Object(
            o.iter()
                .map(|(k, v)| (k.clone(), normalise_numbers(v)))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// The digest idempotent replays are compared by: sha256 of the record with sorted keys
/// (serde_json's map is ordered) and normalised numbers, so a client that re-serialises the same
/// record in another key order is still recognised as a replay.
pub fn body_sha256(record: &Value) -> String {
    let canonical = normalise_numbers(record).to_string();
    Sha256::digest(canonical.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Seed 004's PUT model names (camelCase) and the record's own names they stand for.
const ALIASES: [(&str, &str); 3] = [
    ("compareResult", "compare_result"),
    ("compareSimilarity", "compare_similarity"),
    ("salesChannel", "channel"),
];
/// Record fields a PUT may replace.
pub const UPDATABLE: [&str; 13] = [
    "channel",
    "compare_measured_far",
    "compare_measured_frr",
    "compare_mode",
    "compare_nominal_far",
    "compare_preset",
    "compare_result",
    "compare_similarity",
    "compare_threshold",
    "document",
    "reference",
    "face1",
    "face2",
];
/// Server-managed fields of seed 004's PUT model: accepted (a client generated from that model
/// sends them) and ignored.
pub const IGNORED_ON_UPDATE: [&str; 6] = [
    "companyId",
    "createdDate",
    "updatedDate",
    "createdById",
    "updatedById",
    "elapsedTime",
];

/// Applies a PUT body to a stored record and validates the result. `id` and `created` may be
/// sent but not changed; unknown fields are refused, so a typo does not silently do nothing.
pub fn apply_update(stored: &Value, patch: &mut Value, id: &str) -> Result<Value, ApiError> {
    as_object(patch, "the fields to update")?;
    let Some(patch) = patch.as_object_mut() else {
        return Err(ApiError::bad_request(
            "INVALID_BODY",
            "the body must be a JSON object",
        ));
    };
    let mut record = stored.clone();
    let Some(target) = record.as_object_mut() else {
        return Err(ApiError::internal("stored record", "not an object"));
    };
    let mut seen: Vec<&str> = Vec::new();
    for (key, value) in std::mem::take(patch) {
        let field = ALIASES
            .iter()
            .find(|(alias, _)| *alias == key)
            .map(|(_, name)| *name)
            .unwrap_or(key.as_str());
        if let Some(name) = UPDATABLE.iter().find(|n| **n == field) {
            if seen.contains(name) {
                return Err(ApiError::bad_request(
                    "DUPLICATE_FIELD",
                    format!("`{name}` is given twice (snake_case and camelCase)"),
                ));
            }
            seen.push(name);
            target.insert((*name).to_string(), value);
        } else if key == "id" {
            if value.as_str().and_then(canonical_uuid).as_deref() != Some(id) {
                return Err(ApiError::bad_request(
                    "ID_MISMATCH",
                    "`id` in the body differs from the id in the path",
                ));
            }
        } else if key == "created" {
            if Some(&value) != stored.get("created") {
                return Err(ApiError::bad_request(
                    "IMMUTABLE_FIELD",
                    "`created` cannot be changed",
                ));
            }
        } else if !IGNORED_ON_UPDATE.contains(&key.as_str()) {
            return Err(ApiError::bad_request(
                "UNKNOWN_FIELD",
                format!(
                    "`{key}` cannot be updated; updatable: {}",
                    UPDATABLE.join(", ")
                ),
            ));
        }
    }
    validate(&mut record)?;
    Ok(record)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn hash_ignores_key_order_and_number_form() {
        let a = json!({"a": 1, "b": [1.0, 2]});
        let b: Value = serde_json::from_str(r#"{"b": [1, 2.0], "a": 1.0}"#).unwrap();
        assert_eq!(body_sha256(&a), body_sha256(&b));
        assert_ne!(body_sha256(&a), body_sha256(&json!({"a": 2, "b": [1, 2]})));
    }

    #[test]
    fn datetimes() {
        assert!(is_datetime("2024-05-01T12:12:06.090098"));
        assert!(is_datetime("2026-11-23T12:41:03.123456Z"));
        assert!(is_datetime("2026-11-23T12:41:03+02:00"));
        assert!(!is_datetime("yesterday"));
    }
}
