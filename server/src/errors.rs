//! One error type for every handler, rendered as `{"code": ..., "message": ...}`.
//!
//! Clients (the SDK outbox in particular) decide what to do from the status alone: 5xx, 408 and
//! 429 are retried, any other 4xx is final. So every failure that a retry cannot fix must be a
//! 4xx with a stable `code`, and every failure a retry may fix (the database) a 5xx.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

/// An API error: HTTP status, machine-readable code, human-readable message.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    /// Seconds for `Retry-After` (429 only).
    pub retry_after: Option<u64>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            code,
            message: message.into(),
            retry_after: None,
        }
    }

    /// 400 for a body or parameter the client must fix.
    pub fn bad_request(code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, code, message)
    }

    pub fn unauthorized(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::UNAUTHORIZED, "UNAUTHORIZED", message)
    }

    /// A token that was presented but is not valid (bad signature, expired, wrong audience...):
    /// RFC 6750 §3.1 `invalid_token`.
    pub fn invalid_token(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::UNAUTHORIZED, "INVALID_TOKEN", message)
    }

    /// A valid token without the scope the request needs: RFC 6750 §3.1 `insufficient_scope`.
    pub fn insufficient_scope(scope: &str) -> ApiError {
        ApiError::new(
            StatusCode::FORBIDDEN,
            "INSUFFICIENT_SCOPE",
            format!("the token lacks the `{scope}` scope"),
        )
    }

    /// 429: a token bucket is empty; `Retry-After` says when the next request will be let in.
    pub fn rate_limited(what: &str, retry_after_secs: u64) -> ApiError {
        let mut e = ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "RATE_LIMITED",
            format!("too many requests for this {what}; retry in {retry_after_secs} s"),
        );
        e.retry_after = Some(retry_after_secs);
        e
    }

    /// Unknown id, and also another tenant's id: saying "forbidden" would confirm it exists.
    pub fn not_found() -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, "NOT_FOUND", "no scan with this id")
    }

    /// A database failure. Logged with its detail here; the client only learns that it may
    /// retry (the SDK outbox does, on any 5xx).
    pub fn internal(context: &str, err: impl std::fmt::Display) -> ApiError {
        eprintln!("likeness-server: {context}: {err}");
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "INTERNAL",
            "internal error; retry later",
        )
    }
}

impl From<sqlx::Error> for ApiError {
    fn from(err: sqlx::Error) -> ApiError {
        ApiError::internal("database", err)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = (
            self.status,
            Json(json!({ "code": self.code, "message": self.message })),
        )
            .into_response();
        // RFC 6750 §3: a 401/403 for a bearer-protected resource names the scheme, and the
        // error when a token was presented (none when it was missing).
        let challenge = match (self.status, self.code) {
            (StatusCode::UNAUTHORIZED, "INVALID_TOKEN") => {
                Some("Bearer realm=\"likeness\", error=\"invalid_token\"")
            }
            (StatusCode::UNAUTHORIZED, _) => Some("Bearer realm=\"likeness\""),
            (StatusCode::FORBIDDEN, "INSUFFICIENT_SCOPE") => {
                Some("Bearer realm=\"likeness\", error=\"insufficient_scope\"")
            }
            _ => None,
        };
        if let Some(value) = challenge {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static(value));
        }
        if let Some(secs) = self.retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        response
    }
}

pub type ApiResult<T> = Result<T, ApiError>;
