//! The HTTP handlers of seed 004's four endpoints, plus `/health` and `/v1/openapi.json`.
//!
//! Every handler that writes answers only after the database has committed (see `db`), so a
//! 2xx is a promise the SDK outbox can safely forget the scan on.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};

use crate::auth::{Principal, ReadScans, WriteScans};
use crate::errors::{ApiError, ApiResult};
use crate::record;
use crate::AppState;

pub const DEFAULT_PAGE_SIZE: i64 = 20;
pub const MAX_PAGE_SIZE: i64 = 100;
/// A PUT that loses the compare-and-set to a concurrent PUT re-applies itself; this bounds it.
const UPDATE_ATTEMPTS: usize = 8;
const OPENAPI: &str = include_str!("openapi.json");

/// The body as bytes, with the extractor's failures turned into our error shape. Taking bytes
/// (not `Json<T>`) lets malformed JSON, wrong types and missing fields each get their own code.
fn body_bytes(body: Result<Bytes, BytesRejection>, limit: usize) -> ApiResult<Bytes> {
    body.map_err(|rejection| {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "BODY_TOO_LARGE",
                format!("the body exceeds {limit} bytes"),
            )
        } else {
            ApiError::bad_request("INVALID_BODY", format!("cannot read the body: {rejection}"))
        }
    })
}

fn path_id(id: &str) -> ApiResult<String> {
    record::canonical_uuid(id)
        .ok_or_else(|| ApiError::bad_request("INVALID_ID", "the id in the path must be a UUID"))
}

fn now() -> String {
    chrono::Utc::now()
        .format("%Y-%m-%dT%H:%M:%S%.6fZ")
        .to_string()
}

/// Records who did what to which scan. A failure fails the request (500): an action that
/// cannot be audited is not confirmed (a retried create then replays and is audited).
async fn audit(state: &AppState, who: &Principal, action: &str, scan_id: &str) -> ApiResult<()> {
    Ok(state
        .db
        .audit(&who.tenant, &who.subject, action, scan_id, &now())
        .await?)
}

fn stored_value(text: &str) -> ApiResult<Value> {
    serde_json::from_str(text).map_err(|e| ApiError::internal("stored record is not JSON", e))
}

fn to_text(value: &Value) -> ApiResult<String> {
    serde_json::to_string(value).map_err(|e| ApiError::internal("serialising a record", e))
}

/// `POST /v1/face-recognition`: 201 on first create; a replay of the same record (same tenant,
/// same id, same body) is 200 with the stored record; the same id with another body is 409.
pub async fn create(
    State(state): State<AppState>,
    WriteScans(who): WriteScans,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Response> {
    let bytes = body_bytes(body, state.max_body_bytes)?;
    let mut value = record::parse_body(&bytes)?;
    let id = record::validate(&mut value)?;
    let digest = record::body_sha256(&value);
    let text = to_text(&value)?;
    if state
        .db
        .insert_scan(&who.tenant, &id, &text, &digest, &now())
        .await?
    {
        audit(&state, &who, "created", &id).await?;
        let location = HeaderValue::from_str(&format!("/v1/face-recognition/{id}"))
            .map_err(|e| ApiError::internal("location", e))?;
        return Ok((
            StatusCode::CREATED,
            [(header::LOCATION, location)],
            Json(value),
        )
            .into_response());
    }
    // Not inserted: the id exists for this tenant (rows are never deleted, so it is there).
    let existing = state
        .db
        .get_scan(&who.tenant, &id)
        .await?
        .ok_or_else(|| ApiError::internal("create", "row vanished after conflict"))?;
    if existing.body_sha256 == digest {
        audit(&state, &who, "replayed", &id).await?;
        Ok((StatusCode::OK, Json(stored_value(&existing.record)?)).into_response())
    } else {
        Err(ApiError::new(
            StatusCode::CONFLICT,
            "ID_CONFLICT",
            format!("a different scan with id {id} already exists"),
        ))
    }
}

/// `GET /v1/face-recognition/{id}`; another tenant's id is 404 like an unknown one.
pub async fn get_one(
    State(state): State<AppState>,
    ReadScans(who): ReadScans,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let id = path_id(&id)?;
    let stored = state
        .db
        .get_scan(&who.tenant, &id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    audit(&state, &who, "read", &id).await?;
    Ok(Json(stored_value(&stored.record)?))
}

/// `PUT /v1/face-recognition/{id}`: partial update of the fields in `record::UPDATABLE`
/// (seed 004's camelCase `compareResult`, `compareSimilarity`, `salesChannel` are accepted too);
/// 200 with the updated record. Not an upsert: an unknown id is 404.
pub async fn update(
    State(state): State<AppState>,
    WriteScans(who): WriteScans,
    Path(id): Path<String>,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Json<Value>> {
    let id = path_id(&id)?;
    let bytes = body_bytes(body, state.max_body_bytes)?;
    let patch = record::parse_body(&bytes)?;
    for _ in 0..UPDATE_ATTEMPTS {
        let stored = state
            .db
            .get_scan(&who.tenant, &id)
            .await?
            .ok_or_else(ApiError::not_found)?;
        let updated =
            record::apply_update(&stored_value(&stored.record)?, &mut patch.clone(), &id)?;
        if state
            .db
            .update_scan(&who.tenant, &id, stored.version, &to_text(&updated)?, &now())
            .await?
        {
            audit(&state, &who, "updated", &id).await?;
            return Ok(Json(updated));
        }
    }
    Err(ApiError::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "BUSY",
        "too many concurrent updates of this scan; retry",
    ))
}

/// Reads `page` (0-based) and `size` (1..=100, default 20) from the query string.
fn paging(query: Option<&str>) -> ApiResult<(i64, i64)> {
    let (mut page, mut size) = (0i64, DEFAULT_PAGE_SIZE);
    for pair in query.unwrap_or("").split('&').filter(|p| !p.is_empty()) {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        let parse = |min: i64, max: i64| {
            value
                .parse::<i64>()
                .ok()
                .filter(|n| (min..=max).contains(n))
        };
        match key {
            "page" => {
                page = parse(0, 1_000_000_000).ok_or_else(|| {
                    ApiError::bad_request(
                        "INVALID_QUERY",
                        "`page` must be an integer >= 0 (pages count from 0)",
                    )
                })?
            }
            "size" => {
                size = parse(1, MAX_PAGE_SIZE).ok_or_else(|| {
                    ApiError::bad_request(
                        "INVALID_QUERY",
                        format!("`size` must be an integer from 1 to {MAX_PAGE_SIZE}"),
                    )
                })?
            }
            _ => {} // e.g. Spring's `sort`: not supported, harmless.
        }
    }
    Ok((page, size))
}

/// `GET /v1/face-recognition?page=&size=`: the tenant's scans in the order they were first
/// received, `{content, page, size, total_elements, total_pages}` (Spring Data's page shape,
/// which seed 004's backend is written in).
pub async fn list(
    State(state): State<AppState>,
    ReadScans(who): ReadScans,
    RawQuery(query): RawQuery,
) -> ApiResult<Json<Value>> {
    let (page, size) = paging(query.as_deref())?;
    let (records, total) = state
        .db
        .list_scans(&who.tenant, size, page.saturating_mul(size))
        .await?;
    let content = records
        .iter()
        .map(|r| stored_value(r))
        .collect::<ApiResult<Vec<Value>>>()?;
    let ids: Vec<&str> = content.iter().filter_map(|r| r["id"].as_str()).collect();
    audit(&state, &who, "listed", &ids.join(",")).await?;
    let total_pages = (total + size - 1) / size;
    Ok(Json(
        json!({ "content": content, "page": page, "size": size, "total_elements": total, "total_pages": total_pages }),
    ))
}

/// `GET /health`: 200 when the database answers, 503 when it does not (for load balancers and
/// for scripts waiting for the server to come up). No auth.
pub async fn health(State(state): State<AppState>) -> Response {
    match state.db.ping().await {
        Ok(()) => Json(json!({ "status": "ok" })).into_response(),
        Err(e) => {
            eprintln!("likeness-server: health: {e}");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(json!({ "status": "unavailable", "code": "DATABASE_UNAVAILABLE" })),
            )
                .into_response()
        }
    }
}

/// `GET /v1/openapi.json`: the hand-written OpenAPI 3 document. No auth.
pub async fn openapi() -> Response {
    ([(header::CONTENT_TYPE, "application/json")], OPENAPI).into_response()
}

pub async fn no_route() -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, "NOT_FOUND", "no such route")
}

pub async fn wrong_method() -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "METHOD_NOT_ALLOWED",
        "method not allowed on this route",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paging_parses_and_refuses() {
        assert_eq!(paging(None).unwrap(), (0, DEFAULT_PAGE_SIZE));
        assert_eq!(paging(Some("page=2&size=5&sort=id")).unwrap(), (2, 5));
        assert_eq!(paging(Some("size=0")).unwrap_err().code, "INVALID_QUERY");
        assert_eq!(paging(Some("size=101")).unwrap_err().code, "INVALID_QUERY");
        assert_eq!(paging(Some("page=-1")).unwrap_err().code, "INVALID_QUERY");
        assert_eq!(paging(Some("page=x")).unwrap_err().code, "INVALID_QUERY");
    }
}
