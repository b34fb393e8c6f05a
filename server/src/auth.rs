//! Bearer-token authorisation, one tenant (company) per token.
//!
//! Tokens are kept only as sha256 digests: the development tokens of `LIKENESS_TOKENS` are
//! hashed at start-up and the clear text dropped; the production store is the `api_tokens`
//! table, which holds digests only (`printf %s "$TOKEN" | sha256sum`). A leaked database or
//! memory dump therefore does not leak usable tokens. Tokens are long random strings, so an
//! unsalted fast hash is enough (there is nothing to brute-force), and looking a digest up in a
//! map does not leak the token through timing.
//!
//! JWTs are not validated: a deployment that issues OAuth2 access tokens puts this server behind
//! its gateway or registers opaque tokens in `api_tokens`.

use std::collections::HashMap;

use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use sha2::{Digest, Sha256};

use crate::errors::ApiError;
use crate::AppState;

/// Lower-case hex sha256 of a token: the form tokens are stored in.
pub fn token_sha256(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The configured tokens, by digest.
#[derive(Debug, Clone, Default)]
pub struct TokenStore {
    by_digest: HashMap<String, String>,
}

impl TokenStore {
    /// Takes (tenant, token) pairs and keeps only the digests.
    pub fn new(tokens: &[(String, String)]) -> TokenStore {
        TokenStore {
            by_digest: tokens
                .iter()
                .map(|(tenant, token)| (token_sha256(token), tenant.clone()))
                .collect(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.by_digest.is_empty()
    }

    pub fn tenant(&self, digest: &str) -> Option<&str> {
        self.by_digest.get(digest).map(String::as_str)
    }
}

/// The tenant a request acts for. As an extractor it is the whole auth check: a handler that
/// takes a `Tenant` cannot run for an unauthenticated request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tenant(pub String);

/// The token of an `Authorization: Bearer <token>` header (scheme case-insensitive, RFC 7235).
fn bearer_token(parts: &Parts) -> Result<&str, ApiError> {
    let value = parts
        .headers
        .get(AUTHORIZATION)
        .ok_or_else(|| ApiError::unauthorized("missing Authorization: Bearer <token> header"))?;
    let text = value
        .to_str()
        .map_err(|_| ApiError::unauthorized("the Authorization header is not ASCII"))?;
    let (scheme, token) = text.trim().split_once(' ').ok_or_else(|| {
        ApiError::unauthorized("the Authorization header must be 'Bearer <token>'")
    })?;
    let token = token.trim();
    if !scheme.eq_ignore_ascii_case("bearer") || token.is_empty() {
        return Err(ApiError::unauthorized(
            "the Authorization header must be 'Bearer <token>'",
        ));
    }
    Ok(token)
}

impl FromRequestParts<AppState> for Tenant {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Tenant, ApiError> {
        let digest = token_sha256(bearer_token(parts)?);
        if let Some(tenant) = state.tokens.tenant(&digest) {
            return Ok(Tenant(tenant.to_string()));
        }
        match state.db.tenant_of_token(&digest).await? {
            Some(tenant) => Ok(Tenant(tenant)),
            None => Err(ApiError::unauthorized("invalid or revoked token")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digests_are_sha256_hex() {
        assert_eq!(
            token_sha256("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        let store = TokenStore::new(&[("acme".into(), "abc".into())]);
        assert_eq!(store.tenant(&token_sha256("abc")), Some("acme"));
        assert_eq!(store.tenant("abc"), None);
    }
}
