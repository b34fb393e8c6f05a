//! Likeness reference backend: seed 004's `/v1/face-recognition` API over SQLite or PostgreSQL.
//!
//! `main.rs` only reads the configuration and serves; everything else is here so the tests can
//! drive the very router the binary serves, in-process.
//!
//! Modules, one concern each: [`config`] (environment), [`auth`] (bearer tokens → tenant),
//! [`db`] (sqlx storage and migrations), [`record`] (validation of the scan record),
//! [`routes`] (handlers), [`errors`] (the `{code, message}` error shape).

pub mod auth;
pub mod config;
pub mod db;
pub mod errors;
pub mod oidc;
pub mod ratelimit;
pub mod record;
pub mod routes;

use std::sync::Arc;
use std::time::Duration;

use axum::extract::DefaultBodyLimit;
use axum::http::{header, HeaderValue, Method};
use axum::routing::get;
use axum::Router;
use tower_http::cors::{AllowOrigin, CorsLayer};

use crate::auth::TokenStore;
use crate::config::{Config, Cors};
use crate::db::Db;
use crate::ratelimit::RateLimiter;

/// What every handler shares.
#[derive(Debug, Clone)]
pub struct AppState {
    pub db: Db,
    pub tokens: Arc<TokenStore>,
    pub max_body_bytes: usize,
    pub oidc: Option<Arc<oidc::OidcVerifier>>,
    pub tenant_limit: Arc<RateLimiter>,
    pub client_limit: Arc<RateLimiter>,
}

/// The per-client-address limit. Runs before auth, so guessing tokens is throttled too. The
/// address is the TCP peer (`ConnectInfo`); behind a proxy that is the proxy (see README).
/// Without `ConnectInfo` (in-process tests) there is no address and no per-address limit.
async fn limit_client(
    axum::extract::State(state): axum::extract::State<AppState>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let peer = req
        .extensions()
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map(|c| c.0.ip().to_string());
    if let Some(ip) = peer {
        if let Err(secs) = state.client_limit.take(&ip) {
            return errors::ApiError::rate_limited("client address", secs).into_response();
        }
    }
    next.run(req).await
}

fn cors_layer(cors: &Cors) -> Result<CorsLayer, String> {
    let origins = match cors {
        Cors::Any => AllowOrigin::any(),
        Cors::Origins(list) => AllowOrigin::list(
            list.iter()
                .map(|o| {
                    HeaderValue::from_str(o)
                        .map_err(|_| format!("LIKENESS_CORS_ORIGINS: {o:?} is not a valid origin"))
                })
                .collect::<Result<Vec<_>, _>>()?,
        ),
    };
    Ok(CorsLayer::new()
        .allow_origin(origins)
        .allow_methods([Method::GET, Method::POST, Method::PUT])
        .allow_headers([header::AUTHORIZATION, header::CONTENT_TYPE])
        .expose_headers([header::LOCATION, header::RETRY_AFTER])
        .max_age(Duration::from_secs(600)))
}

/// The application: routes, body limit, CORS. The CORS layer is outermost so that preflight
/// requests (which carry no token) are answered before auth runs.
pub fn router(state: AppState, cors: &Cors) -> Result<Router, String> {
    let limit = state.max_body_bytes;
    Ok(Router::new()
        .route(
            "/v1/face-recognition",
            get(routes::list).post(routes::create),
        )
        .route(
            "/v1/face-recognition/{id}",
            get(routes::get_one).put(routes::update),
        )
        .route("/v1/openapi.json", get(routes::openapi))
        .route("/health", get(routes::health))
        .fallback(routes::no_route)
        .method_not_allowed_fallback(routes::wrong_method)
        .layer(DefaultBodyLimit::max(limit))
        .layer(axum::middleware::from_fn_with_state(state.clone(), limit_client))
        .layer(cors_layer(cors)?)
        .with_state(state))
}

/// Opens the database (running migrations) and builds the router for `config`.
pub async fn build(config: &Config) -> Result<(Router, Db), String> {
    let db = Db::connect(&config.database_url).await?;
    let tokens = TokenStore::new(&config.tokens);
    let state = AppState {
        db: db.clone(),
        tokens: Arc::new(tokens),
        max_body_bytes: config.max_body_bytes,
        oidc: match &config.oidc {
            Some(c) => Some(Arc::new(oidc::OidcVerifier::new(c.clone())?)),
            None => None,
        },
        tenant_limit: Arc::new(RateLimiter::new(config.tenant_rate)),
        client_limit: Arc::new(RateLimiter::new(config.client_rate)),
    };
    Ok((router(state, &config.cors)?, db))
}
