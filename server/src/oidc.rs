//! OpenID Connect access tokens: JWTs signed by the configured issuer, verified against its
//! JWKS. Only RS256 and ES256 are accepted: the algorithm is taken from a fixed allow-list and
//! must match the key's type, so `alg: none` and HS256-with-the-public-key cannot get through.
//!
//! Keys are fetched lazily (discovery document → `jwks_uri` → JWKS), cached, and refetched
//! when a token names an unknown `kid` (key rotation) - at most once per `min_refetch`, so a
//! stream of forged kids cannot make us hammer the issuer - and when the cache is older than
//! `MAX_KEY_AGE` (keys the issuer has withdrawn stop working).

use std::collections::HashMap;
use std::time::{Duration, Instant};

use axum::http::StatusCode;
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::jwk::{AlgorithmParameters, EllipticCurve, Jwk};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::{Map, Value};
use tokio::sync::{Mutex, RwLock};

use crate::errors::ApiError;

/// Clock skew tolerated on `exp` and `nbf`, in seconds.
pub const CLOCK_SKEW_SECS: u64 = 60;
/// Cached keys older than this are refetched before use.
pub const MAX_KEY_AGE: Duration = Duration::from_secs(600);
pub const DEFAULT_MIN_REFETCH: Duration = Duration::from_secs(10);
const FETCH_TIMEOUT: Duration = Duration::from_secs(5);
/// The scopes of seed 004's scan API.
pub const SCOPE_READ: &str = "scans:read";
pub const SCOPE_WRITE: &str = "scans:write";

#[derive(Debug, Clone, PartialEq)]
pub struct OidcConfig {
    /// The issuer URL exactly as it appears in `iss` (no trailing slash added or removed).
    pub issuer: String,
    pub audience: String,
    pub tenant_claim: String,
    pub min_refetch: Duration,
}

/// `https://...`, or `http://` only for a loopback host (a test or a sidecar issuer): keys
/// fetched over plain HTTP from the network could be swapped by anyone on the path.
pub fn check_issuer_url(what: &str, url: &str) -> Result<(), String> {
    let parsed = reqwest::Url::parse(url).map_err(|e| format!("{what}={url:?} is not a URL ({e})"))?;
    match parsed.scheme() {
        "https" => Ok(()),
        "http" if is_loopback(&parsed) => Ok(()),
        "http" => Err(format!(
            "{what}={url:?} uses plain http: only https is accepted, except for a loopback issuer (127.0.0.1, ::1, localhost)"
        )),
        other => Err(format!("{what}={url:?}: scheme {other:?} is not https")),
    }
}

fn is_loopback(url: &reqwest::Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

/// Who a verified token speaks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenClaims {
    pub tenant: String,
    pub subject: String,
    pub scopes: Vec<String>,
}

#[derive(Default)]
struct KeyCache {
    jwks_uri: Option<String>,
    keys: HashMap<String, (Algorithm, DecodingKey)>,
    fetched_at: Option<Instant>,
}

pub struct OidcVerifier {
    config: OidcConfig,
    http: reqwest::Client,
    cache: RwLock<KeyCache>,
    /// Serialises refetches: concurrent requests with a new kid cause one fetch, not many.
    refetch: Mutex<()>,
}

impl std::fmt::Debug for OidcVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OidcVerifier").field("config", &self.config).finish()
    }
}

fn invalid(message: impl Into<String>) -> ApiError {
    ApiError::invalid_token(message)
}

fn unavailable(message: String) -> ApiError {
    eprintln!("likeness-server: OIDC: {message}");
    ApiError::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "ISSUER_UNAVAILABLE",
        "the token issuer's keys cannot be fetched; retry later",
    )
}

impl OidcVerifier {
    pub fn new(config: OidcConfig) -> Result<OidcVerifier, String> {
        let http = reqwest::Client::builder()
            .timeout(FETCH_TIMEOUT)
            // The JWKS location must not be redirected somewhere else.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| format!("cannot build the HTTP client for OIDC: {e}"))?;
        Ok(OidcVerifier {
            config,
            http,
            cache: RwLock::new(KeyCache::default()),
            refetch: Mutex::new(()),
        })
    }

    pub fn config(&self) -> &OidcConfig {
        &self.config
    }

    /// Verifies signature, algorithm, `iss`, `aud`, `exp`, `nbf`, and reads tenant and scopes.
    pub async fn verify(&self, token: &str) -> Result<TokenClaims, ApiError> {
        let header = jsonwebtoken::decode_header(token)
            .map_err(|e| invalid(format!("not a JWT with an accepted algorithm (RS256, ES256): {e}")))?;
        if !matches!(header.alg, Algorithm::RS256 | Algorithm::ES256) {
            return Err(invalid(format!(
                "algorithm {:?} is not accepted (RS256, ES256 only)",
                header.alg
            )));
        }
        let kid = header.kid.ok_or_else(|| invalid("the token header has no `kid`"))?;
        let (key_alg, key) = self.key(&kid).await?;
        if key_alg != header.alg {
            return Err(invalid(format!(
                "the token says {:?} but key {kid:?} is a {key_alg:?} key",
                header.alg
            )));
        }
        let data = jsonwebtoken::decode::<Map<String, Value>>(token, &key, &self.validation(key_alg))
            .map_err(|e| invalid(describe(e.kind())))?;
        self.claims(&data.claims)
    }

    fn validation(&self, alg: Algorithm) -> Validation {
        let mut v = Validation::new(alg);
        v.leeway = CLOCK_SKEW_SECS;
        v.validate_exp = true;
        v.validate_nbf = true;
        v.set_issuer(&[&self.config.issuer]);
        v.set_audience(&[&self.config.audience]);
        v.set_required_spec_claims(&["exp", "iss", "aud"]);
        v
    }

    fn claims(&self, claims: &Map<String, Value>) -> Result<TokenClaims, ApiError> {
        let claim = &self.config.tenant_claim;
        let tenant = claims
            .get(claim)
            .and_then(Value::as_str)
            .filter(|t| !t.trim().is_empty())
            .ok_or_else(|| invalid(format!("the token has no `{claim}` (tenant) claim")))?;
        let subject = claims.get("sub").and_then(Value::as_str).unwrap_or("").to_string();
        let scopes = match claims.get("scope") {
            None => Vec::new(),
            Some(Value::String(s)) => s.split_whitespace().map(str::to_string).collect(),
            Some(_) => return Err(invalid("the `scope` claim must be a space-separated string")),
        };
        Ok(TokenClaims {
            tenant: tenant.to_string(),
            subject,
            scopes,
        })
    }

    /// The key for `kid`: from the cache, else after one refetch (rotation), else refused.
    async fn key(&self, kid: &str) -> Result<(Algorithm, DecodingKey), ApiError> {
        if let Some(found) = self.cached(kid, false).await {
            return Ok(found);
        }
        let _guard = self.refetch.lock().await;
        // Another request may have refetched while we waited.
        if let Some(found) = self.cached(kid, false).await {
            return Ok(found);
        }
        let recently = {
            let cache = self.cache.read().await;
            cache
                .fetched_at
                .is_some_and(|t| t.elapsed() < self.config.min_refetch && t.elapsed() < MAX_KEY_AGE)
        };
        if !recently {
            self.refresh().await?;
        }
        self.cached(kid, true)
            .await
            .ok_or_else(|| invalid(format!("no key {kid:?} in the issuer's JWKS")))
    }

    /// A cached key; a stale cache counts as a miss unless `stale_ok`.
    async fn cached(&self, kid: &str, stale_ok: bool) -> Option<(Algorithm, DecodingKey)> {
        let cache = self.cache.read().await;
        let fresh = cache.fetched_at.is_some_and(|t| t.elapsed() < MAX_KEY_AGE);
        if !fresh && !stale_ok {
            return None;
        }
        cache.keys.get(kid).cloned()
    }

    async fn refresh(&self) -> Result<(), ApiError> {
        let jwks_uri = match self.cache.read().await.jwks_uri.clone() {
            Some(uri) => uri,
            None => self.discover().await?,
        };
        let jwks: Value = self.fetch_json(&jwks_uri).await?;
        let keys = parse_jwks(&jwks);
        let mut cache = self.cache.write().await;
        cache.jwks_uri = Some(jwks_uri);
        cache.keys = keys;
        cache.fetched_at = Some(Instant::now());
        Ok(())
    }

    /// `jwks_uri` from the discovery document, whose `issuer` must be ours (OIDC Discovery §4.3).
    async fn discover(&self) -> Result<String, ApiError> {
        let url = format!(
            "{}/.well-known/openid-configuration",
            self.config.issuer.trim_end_matches('/')
        );
        let doc = self.fetch_json(&url).await?;
        if doc.get("issuer").and_then(Value::as_str) != Some(self.config.issuer.as_str()) {
            return Err(unavailable(format!(
                "{url}: `issuer` is {:?}, expected {:?}",
                doc.get("issuer"),
                self.config.issuer
            )));
        }
        let uri = doc
            .get("jwks_uri")
            .and_then(Value::as_str)
            .ok_or_else(|| unavailable(format!("{url}: no `jwks_uri`")))?;
        check_issuer_url("jwks_uri", uri).map_err(unavailable)?;
        Ok(uri.to_string())
    }

    async fn fetch_json(&self, url: &str) -> Result<Value, ApiError> {
        let response = self
            .http
            .get(url)
            .send()
            .await
            .map_err(|e| unavailable(format!("GET {url}: {e}")))?;
        if !response.status().is_success() {
            return Err(unavailable(format!("GET {url}: status {}", response.status())));
        }
        response
            .json::<Value>()
            .await
            .map_err(|e| unavailable(format!("GET {url}: not JSON ({e})")))
    }
}

/// The usable signing keys of a JWKS by kid: RSA → RS256, EC P-256 → ES256. Keys of other
/// types, curves or algorithms, encryption keys and keys without a kid are skipped, so one odd
/// key in the set does not disable the others.
pub fn parse_jwks(jwks: &Value) -> HashMap<String, (Algorithm, DecodingKey)> {
    let mut out = HashMap::new();
    for raw in jwks.get("keys").and_then(Value::as_array).into_iter().flatten() {
        let Ok(jwk) = serde_json::from_value::<Jwk>(raw.clone()) else {
            continue;
        };
        let Some(kid) = jwk.common.key_id.clone() else {
            continue;
        };
        if raw.get("use").is_some_and(|u| u != "sig") {
            continue;
        }
        let alg = match &jwk.algorithm {
            AlgorithmParameters::RSA(_) => Algorithm::RS256,
            AlgorithmParameters::EllipticCurve(p) if p.curve == EllipticCurve::P256 => Algorithm::ES256,
            _ => continue,
        };
        let declared = raw.get("alg").and_then(Value::as_str);
        if declared.is_some_and(|a| a != format!("{alg:?}")) {
            continue;
        }
        if let Ok(key) = DecodingKey::from_jwk(&jwk) {
            out.insert(kid, (alg, key));
        }
    }
    out
}

fn describe(kind: &ErrorKind) -> String {
    match kind {
        ErrorKind::ExpiredSignature => "the token has expired".into(),
        ErrorKind::ImmatureSignature => "the token is not valid yet (nbf)".into(),
        ErrorKind::InvalidAudience => "the token is not for this audience".into(),
        ErrorKind::InvalidIssuer => "the token is from another issuer".into(),
        ErrorKind::InvalidSignature => "the token's signature does not verify".into(),
        ErrorKind::InvalidAlgorithm => "the token's algorithm is not accepted".into(),
        ErrorKind::MissingRequiredClaim(c) => format!("the token has no `{c}` claim"),
        other => format!("the token is malformed ({other:?})"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issuer_urls() {
        assert!(check_issuer_url("X", "https://login.example.com/realms/a").is_ok());
        assert!(check_issuer_url("X", "http://127.0.0.1:9000").is_ok());
        assert!(check_issuer_url("X", "http://[::1]:9000").is_ok());
        assert!(check_issuer_url("X", "http://localhost:9000").is_ok());
        let err = check_issuer_url("X", "http://login.example.com").unwrap_err();
        assert!(err.contains("plain http"), "{err}");
        assert!(check_issuer_url("X", "ftp://login.example.com").is_err());
        assert!(check_issuer_url("X", "not a url").is_err());
    }
}
