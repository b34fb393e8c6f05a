//! Bearer-token authorisation, one tenant (company) per token.
//!
//! Tokens are kept only as sha256 digests: the development tokens of `LIKENESS_TOKENS` are
//! hashed at start-up and the clear text dropped; the production store is the `api_tokens`
//! table, which holds digests only (`printf %s "$TOKEN" | sha256sum`). A leaked database or
//! memory dump therefore does not leak usable tokens. Tokens are long random strings, so an
//! unsalted fast hash is enough (there is nothing to brute-force), and looking a digest up in a
//! map does not leak the token through timing.
//!
//! Side by side with them: OIDC access tokens (JWTs, see [`crate::oidc`]) when
//! `LIKENESS_OIDC_ISSUER` is set. A bearer value that has the shape of a JWT goes to the OIDC
//! verifier; anything else is looked up as an opaque token. Opaque tokens are service accounts
//! and hold both scopes; a JWT holds the scopes of its `scope` claim.

use std::collections::HashMap;

use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use sha2::{Digest, Sha256};

use crate::errors::ApiError;
use crate::oidc::{SCOPE_READ, SCOPE_WRITE};
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

/// Who a request acts for: the tenant, the subject recorded in the audit log (a JWT's `sub`, or
/// `token:<first 12 hex of the digest>` for an opaque token), and what it may do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub tenant: String,
    pub subject: String,
    pub scopes: Vec<String>,
}

/// Extractor: a principal holding `scans:read`. A handler taking it cannot run otherwise.
#[derive(Debug, Clone)]
pub struct ReadScans(pub Principal);

/// Extractor: a principal holding `scans:write`.
#[derive(Debug, Clone)]
pub struct WriteScans(pub Principal);

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

/// A compact JWS: three base64url parts, the first one a JSON object (`eyJ` = `{"`).
fn looks_like_jwt(token: &str) -> bool {
    token.starts_with("eyJ") && token.split('.').count() == 3
}

async fn opaque(state: &AppState, token: &str) -> Result<Principal, ApiError> {
    let digest = token_sha256(token);
    let tenant = match state.tokens.tenant(&digest) {
        Some(tenant) => tenant.to_string(),
        None => state
            .db
            .tenant_of_token(&digest)
            .await?
            .ok_or_else(|| ApiError::unauthorized("invalid or revoked token"))?,
    };
    Ok(Principal {
        tenant,
        subject: format!("token:{}", &digest[..12]),
        scopes: vec![SCOPE_READ.to_string(), SCOPE_WRITE.to_string()],
    })
}

/// Authenticates the request, then charges the tenant's rate limit (after auth, so a stranger
/// cannot spend a tenant's budget; the per-address limit runs before auth, in `lib.rs`).
pub async fn authenticate(parts: &Parts, state: &AppState) -> Result<Principal, ApiError> {
    let token = bearer_token(parts)?;
    let principal = match &state.oidc {
        Some(oidc) if looks_like_jwt(token) => {
            let claims = oidc.verify(token).await?;
            Principal {
                tenant: claims.tenant,
                subject: claims.subject,
                scopes: claims.scopes,
            }
        }
        _ => opaque(state, token).await?,
    };
    state
        .tenant_limit
        .take(&principal.tenant)
        .map_err(|secs| ApiError::rate_limited("tenant", secs))?;
    Ok(principal)
}

fn require(principal: Principal, scope: &str) -> Result<Principal, ApiError> {
    if principal.scopes.iter().any(|s| s == scope) {
        Ok(principal)
    } else {
        Err(ApiError::insufficient_scope(scope))
    }
}

impl FromRequestParts<AppState> for ReadScans {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        Ok(ReadScans(require(authenticate(parts, state).await?, SCOPE_READ)?))
    }
}

impl FromRequestParts<AppState> for WriteScans {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        Ok(WriteScans(require(authenticate(parts, state).await?, SCOPE_WRITE)?))
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
