//! Configuration from the environment (twelve-factor style: the same binary runs the demo,
//! the tests and a deployment; only variables change).
//!
//! | variable | default | meaning |
//! |---|---|---|
//! | `LIKENESS_BACKEND_ADDR` | `127.0.0.1:8080` | listen address (loopback by default: nothing is exposed by accident) |
//! | `LIKENESS_DATABASE_URL` | `sqlite://likeness.db?mode=rwc` | `sqlite://FILE?mode=rwc` or `postgres://user:pass@host:port/db` |
//! | `LIKENESS_TOKENS` | (none) | development tokens, `tenant:token,tenant2:token2` |
//! | `LIKENESS_CORS_ORIGINS` | `http://localhost:8000` | comma-separated allowed origins, or `*` |
//! | `LIKENESS_MAX_BODY_BYTES` | `262144` | larger request bodies get 413 `BODY_TOO_LARGE` |

use std::net::SocketAddr;

use crate::oidc::{check_issuer_url, OidcConfig, DEFAULT_MIN_REFETCH};
use crate::ratelimit::Rate;

/// Generous defaults: far above the load bench and the outbox e2e test (see README).
pub const DEFAULT_TENANT_RATE: Rate = Rate { per_sec: 500.0, burst: 2000.0 };
pub const DEFAULT_CLIENT_RATE: Rate = Rate { per_sec: 500.0, burst: 2000.0 };

pub const DEFAULT_ADDR: &str = "127.0.0.1:8080";
pub const DEFAULT_DATABASE_URL: &str = "sqlite://likeness.db?mode=rwc";
pub const DEFAULT_CORS_ORIGIN: &str = "http://localhost:8000";
/// A scan record with both faces is ~6 KB, ~25 KB with embeddings opted in: 256 KiB leaves a
/// wide margin while keeping a hostile client from making the server buffer megabytes.
pub const DEFAULT_MAX_BODY_BYTES: usize = 256 * 1024;

/// Which browser origins may call the API.
#[derive(Debug, Clone, PartialEq)]
pub enum Cors {
    Any,
    Origins(Vec<String>),
}

#[derive(Debug, Clone)]
pub struct Config {
    pub addr: SocketAddr,
    pub database_url: String,
    /// (tenant, token) pairs. Hashed as soon as the auth module takes them.
    pub tokens: Vec<(String, String)>,
    pub cors: Cors,
    pub max_body_bytes: usize,
    /// JWT access tokens from this issuer, when set.
    pub oidc: Option<OidcConfig>,
    /// `None`: unlimited.
    pub tenant_rate: Option<Rate>,
    pub client_rate: Option<Rate>,
}

impl Config {
    /// Reads the process environment.
    pub fn from_env() -> Result<Config, String> {
        Config::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads variables through `lookup`, so tests need not touch the process environment.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Config, String> {
        let get = |name: &str| {
            lookup(name)
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
        };
        let addr_text = get("LIKENESS_BACKEND_ADDR").unwrap_or_else(|| DEFAULT_ADDR.to_string());
        let addr = addr_text
            .parse::<SocketAddr>()
            .map_err(|e| format!("LIKENESS_BACKEND_ADDR={addr_text:?} is not host:port ({e})"))?;
        let database_url =
            get("LIKENESS_DATABASE_URL").unwrap_or_else(|| DEFAULT_DATABASE_URL.to_string());
        let tokens = match get("LIKENESS_TOKENS") {
            Some(text) => parse_tokens(&text)?,
            None => Vec::new(),
        };
        let cors = parse_cors(
            &get("LIKENESS_CORS_ORIGINS").unwrap_or_else(|| DEFAULT_CORS_ORIGIN.to_string()),
        );
        let max_body_bytes = match get("LIKENESS_MAX_BODY_BYTES") {
            Some(text) => text
                .parse::<usize>()
                .ok()
                .filter(|n| *n >= 1024)
                .ok_or_else(|| {
                    format!("LIKENESS_MAX_BODY_BYTES={text:?} must be an integer >= 1024")
                })?,
            None => DEFAULT_MAX_BODY_BYTES,
        };
        let oidc = parse_oidc(&get)?;
        let tenant_rate = parse_rate(&get, "LIKENESS_RATE_TENANT", DEFAULT_TENANT_RATE)?;
        let client_rate = parse_rate(&get, "LIKENESS_RATE_CLIENT", DEFAULT_CLIENT_RATE)?;
        Ok(Config {
            addr,
            database_url,
            tokens,
            cors,
            max_body_bytes,
            oidc,
            tenant_rate,
            client_rate,
        })
    }
}

/// `tenant:token,tenant2:token2`. The token may itself contain `:` (split at the first one).
/// A token given to two tenants is refused: it would make the tenant of a request ambiguous.
pub fn parse_tokens(text: &str) -> Result<Vec<(String, String)>, String> {
    let mut out: Vec<(String, String)> = Vec::new();
    for (i, item) in text
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .enumerate()
    {
        let (tenant, token) = item
            .split_once(':')
            .ok_or_else(|| format!("LIKENESS_TOKENS entry {} is not tenant:token", i + 1))?;
        let (tenant, token) = (tenant.trim(), token.trim());
        if tenant.is_empty() || token.is_empty() {
            return Err(format!(
                "LIKENESS_TOKENS entry {} has an empty tenant or token",
                i + 1
            ));
        }
        if out.iter().any(|(_, t)| t == token) {
            return Err(format!(
                "LIKENESS_TOKENS entry {} repeats a token already given",
                i + 1
            ));
        }
        out.push((tenant.to_string(), token.to_string()));
    }
    Ok(out)
}

fn parse_oidc(get: &impl Fn(&str) -> Option<String>) -> Result<Option<OidcConfig>, String> {
    let Some(issuer) = get("LIKENESS_OIDC_ISSUER") else {
        return Ok(None);
    };
    check_issuer_url("LIKENESS_OIDC_ISSUER", &issuer)?;
    let audience = get("LIKENESS_OIDC_AUDIENCE").ok_or_else(|| {
        "LIKENESS_OIDC_AUDIENCE must be set with LIKENESS_OIDC_ISSUER (the `aud` tokens must carry)"
            .to_string()
    })?;
    Ok(Some(OidcConfig {
        issuer,
        audience,
        tenant_claim: get("LIKENESS_OIDC_TENANT_CLAIM").unwrap_or_else(|| "tenant".to_string()),
        min_refetch: DEFAULT_MIN_REFETCH,
    }))
}

/// `<PREFIX>_PER_SEC` and `<PREFIX>_BURST`; a rate of 0 turns the limit off.
fn parse_rate(
    get: &impl Fn(&str) -> Option<String>,
    prefix: &str,
    default: Rate,
) -> Result<Option<Rate>, String> {
    let number = |suffix: &str, fallback: f64| -> Result<f64, String> {
        let name = format!("{prefix}_{suffix}");
        match get(&name) {
            None => Ok(fallback),
            Some(text) => text
                .parse::<f64>()
                .ok()
                .filter(|n| n.is_finite() && *n >= 0.0)
                .ok_or_else(|| format!("{name}={text:?} must be a number >= 0")),
        }
    };
    let per_sec = number("PER_SEC", default.per_sec)?;
    let burst = number("BURST", default.burst)?;
    if per_sec == 0.0 {
        return Ok(None);
    }
    if burst < 1.0 {
        return Err(format!("{prefix}_BURST must be >= 1"));
    }
    Ok(Some(Rate { per_sec, burst }))
}

fn parse_cors(text: &str) -> Cors {
    if text == "*" {
        return Cors::Any;
    }
    Cors::Origins(
        text.split(',')
            .map(|s| s.trim().trim_end_matches('/').to_string())
            .filter(|s| !s.is_empty())
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults() {
        let c = Config::from_lookup(|_| None).unwrap();
        assert_eq!(c.addr.to_string(), DEFAULT_ADDR);
        assert_eq!(c.database_url, DEFAULT_DATABASE_URL);
        assert!(c.tokens.is_empty());
        assert_eq!(c.cors, Cors::Origins(vec![DEFAULT_CORS_ORIGIN.to_string()]));
    }

    #[test]
    fn tokens() {
        assert_eq!(
            parse_tokens("acme:s3cret, globex:a:b").unwrap(),
            vec![
                ("acme".into(), "s3cret".into()),
                ("globex".into(), "a:b".into())
            ]
        );
        assert!(parse_tokens("acme").is_err());
        assert!(parse_tokens("acme:x,globex:x").is_err());
        assert!(parse_tokens(":x").is_err());
    }

    #[test]
    fn oidc_and_rates() {
        let env = |vars: &'static [(&'static str, &'static str)]| {
            move |n: &str| vars.iter().find(|(k, _)| *k == n).map(|(_, v)| v.to_string())
        };
        let err = Config::from_lookup(env(&[
            ("LIKENESS_OIDC_ISSUER", "http://login.example.com"),
            ("LIKENESS_OIDC_AUDIENCE", "likeness"),
        ]))
        .unwrap_err();
        assert!(err.contains("LIKENESS_OIDC_ISSUER") && err.contains("plain http"), "{err}");
        assert!(Config::from_lookup(env(&[("LIKENESS_OIDC_ISSUER", "https://a.example")])).is_err());
        let c = Config::from_lookup(env(&[
            ("LIKENESS_OIDC_ISSUER", "http://127.0.0.1:9000"),
            ("LIKENESS_OIDC_AUDIENCE", "likeness"),
            ("LIKENESS_RATE_CLIENT_PER_SEC", "0"),
        ]))
        .unwrap();
        assert_eq!(c.oidc.unwrap().tenant_claim, "tenant");
        assert_eq!(c.client_rate, None);
        assert_eq!(c.tenant_rate, Some(DEFAULT_TENANT_RATE));
        assert!(Config::from_lookup(env(&[("LIKENESS_RATE_TENANT_BURST", "x")])).is_err());
    }

    #[test]
    fn bad_values_are_errors() {
        assert!(
            Config::from_lookup(|n| (n == "LIKENESS_BACKEND_ADDR").then(|| "nope".to_string()))
                .is_err()
        );
        assert!(
            Config::from_lookup(|n| (n == "LIKENESS_MAX_BODY_BYTES").then(|| "12".to_string()))
                .is_err()
        );
    }
}
