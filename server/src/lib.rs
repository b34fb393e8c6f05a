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

/// What every handler shares.
#[derive(Debug, Clone)]
pub struct AppState {
    pub db: Db,
    pub tokens: Arc<TokenStore>,
    pub max_body_bytes: usize,
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
    };
    Ok((router(state, &config.cors)?, db))
}
