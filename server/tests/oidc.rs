//! OIDC access tokens against a real issuer on loopback: an axum task serving the discovery
//! document and JWKS over HTTP, signing tokens with RSA and P-256 keys it generated.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::http::{Method, StatusCode};
use axum::routing::get;
use axum::{Json, Router};
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use base64::Engine;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use likeness_server::config::{Config, Cors};
use likeness_server::oidc::OidcConfig;
use p256::elliptic_curve::sec1::ToEncodedPoint;
use p256::pkcs8::EncodePrivateKey;
use rsa::pkcs1::EncodeRsaPrivateKey;
use rsa::traits::PublicKeyParts;
use serde_json::{json, Value};

const AUD: &str = "likeness-api";

struct Issuer {
    url: String,
    jwks: Arc<Mutex<Vec<Value>>>,
    jwks_hits: Arc<AtomicUsize>,
}

struct SigningKey {
    kid: String,
    alg: Algorithm,
    key: EncodingKey,
    jwk: Value,
    /// For the HS256 attack: the public key's bytes, which an attacker knows.
    public_bytes: Vec<u8>,
}

fn rsa_key(kid: &str) -> SigningKey {
    let private = rsa::RsaPrivateKey::new(&mut rand::rngs::OsRng, 2048).unwrap();
    let n = private.n().to_bytes_be();
    let jwk = json!({"kty": "RSA", "kid": kid, "use": "sig", "alg": "RS256",
        "n": B64.encode(&n), "e": B64.encode(private.e().to_bytes_be())});
    SigningKey {
        kid: kid.into(),
        alg: Algorithm::RS256,
        key: EncodingKey::from_rsa_der(private.to_pkcs1_der().unwrap().as_bytes()),
        jwk,
        public_bytes: n,
    }
}

fn ec_key(kid: &str) -> SigningKey {
    let secret = p256::SecretKey::random(&mut rand::rngs::OsRng);
    let point = secret.public_key().to_encoded_point(false);
    let jwk = json!({"kty": "EC", "crv": "P-256", "kid": kid, "use": "sig",
        "x": B64.encode(point.x().unwrap()), "y": B64.encode(point.y().unwrap())});
    SigningKey {
        kid: kid.into(),
        alg: Algorithm::ES256,
        key: EncodingKey::from_ec_der(secret.to_pkcs8_der().unwrap().as_bytes()),
        jwk,
        public_bytes: point.as_bytes().to_vec(),
    }
}

async fn start_issuer() -> Issuer {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let jwks = Arc::new(Mutex::new(Vec::new()));
    let jwks_hits = Arc::new(AtomicUsize::new(0));
    let discovery = json!({"issuer": url, "jwks_uri": format!("{url}/jwks")});
    let (keys, hits) = (jwks.clone(), jwks_hits.clone());
    let app = Router::new()
        .route(
            "/.well-known/openid-configuration",
            get(move || async move { Json(discovery) }),
        )
        .route(
            "/jwks",
            get(move || async move {
                hits.fetch_add(1, Ordering::SeqCst);
                Json(json!({"keys": keys.lock().unwrap().clone()}))
            }),
        );
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    Issuer { url, jwks, jwks_hits }
}

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

fn claims(issuer: &str, tenant: &str, scope: &str) -> Value {
    json!({"iss": issuer, "aud": AUD, "sub": "alice", "tenant": tenant, "scope": scope,
        "iat": now(), "nbf": now() - 5, "exp": now() + 300})
}

fn sign(key: &SigningKey, claims: &Value) -> String {
    let mut header = Header::new(key.alg);
    header.kid = Some(key.kid.clone());
    jsonwebtoken::encode(&header, claims, &key.key).unwrap()
}

async fn app(issuer: &Issuer, dir: &tempfile::TempDir) -> common::Harness {
    let url = format!("sqlite://{}", dir.path().join("oidc.db").display());
    let config = Config {
        addr: "127.0.0.1:0".parse().unwrap(),
        database_url: url.clone(),
        tokens: vec![("svc".into(), "service-token".into())],
        cors: Cors::Origins(vec![]),
        max_body_bytes: common::MAX_BODY,
        oidc: Some(OidcConfig {
            issuer: issuer.url.clone(),
            audience: AUD.into(),
            tenant_claim: "tenant".into(),
            // Refetch on every unknown kid, so the rotation case does not have to wait.
            min_refetch: Duration::ZERO,
        }),
        tenant_rate: None,
        client_rate: None,
    };
    let (app, db) = likeness_server::build(&config).await.unwrap();
    common::Harness {
        name: "sqlite",
        app,
        db,
        tenant_a: String::new(),
        token_a: String::new(),
        tenant_b: String::new(),
        token_b: String::new(),
        database_url: url,
        _dir: None,
    }
}

fn assert_invalid(reply: &common::Reply, case: &str) {
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{case}: {:?}", reply.body);
    assert_eq!(reply.body["code"], "INVALID_TOKEN", "{case}");
    let challenge = reply.headers["www-authenticate"].to_str().unwrap();
    assert!(challenge.contains("error=\"invalid_token\""), "{case}: {challenge}");
}

#[tokio::test]
async fn oidc_tokens_against_a_real_issuer() {
    let issuer = start_issuer().await;
    let (rsa1, ec1) = (rsa_key("rsa-1"), ec_key("ec-1"));
    *issuer.jwks.lock().unwrap() = vec![rsa1.jwk.clone(), ec1.jwk.clone()];
    let dir = tempfile::tempdir().unwrap();
    let h = app(&issuer, &dir).await;
    let rw = "scans:read scans:write";

    // Valid RS256 and ES256 tokens create and read; the audit log names the subject.
    let record = common::record();
    let id = common::id_of(&record);
    let a_rsa = sign(&rsa1, &claims(&issuer.url, "tenant-a", rw));
    assert_eq!(h.post(&a_rsa, &record).await.status, StatusCode::CREATED);
    let a_ec = sign(&ec1, &claims(&issuer.url, "tenant-a", rw));
    let uri = format!("/v1/face-recognition/{id}");
    assert_eq!(h.get(&a_ec, &uri).await.status, StatusCode::OK);
    let audit = h.db.audit_entries("tenant-a").await.unwrap();
    assert_eq!(
        audit,
        vec![
            ("alice".into(), "created".into(), id.clone()),
            ("alice".into(), "read".into(), id.clone())
        ]
    );

    // The opaque service-account token still works side by side.
    assert_eq!(h.get("service-token", "/v1/face-recognition").await.status, StatusCode::OK);

    // Expired beyond the skew, not yet valid beyond the skew, wrong audience, wrong issuer.
    let mut c = claims(&issuer.url, "tenant-a", rw);
    c["exp"] = json!(now() - 120);
    assert_invalid(&h.get(&sign(&rsa1, &c), &uri).await, "expired");
    let mut c = claims(&issuer.url, "tenant-a", rw);
    c["nbf"] = json!(now() + 120);
    assert_invalid(&h.get(&sign(&rsa1, &c), &uri).await, "nbf");
    let mut c = claims(&issuer.url, "tenant-a", rw);
    c["aud"] = json!("another-api");
    assert_invalid(&h.get(&sign(&rsa1, &c), &uri).await, "audience");
    let c = claims("http://127.0.0.1:1", "tenant-a", rw);
    assert_invalid(&h.get(&sign(&rsa1, &c), &uri).await, "issuer");

    // alg none: header + payload, empty signature.
    let none = format!(
        "{}.{}.",
        B64.encode(json!({"alg": "none", "kid": "rsa-1", "typ": "JWT"}).to_string()),
        B64.encode(claims(&issuer.url, "tenant-a", rw).to_string())
    );
    assert_invalid(&h.get(&none, &uri).await, "alg none");

    // HS256 keyed with the RSA public key (the classic algorithm-confusion forgery).
    let mut header = Header::new(Algorithm::HS256);
    header.kid = Some("rsa-1".into());
    let hs = jsonwebtoken::encode(
        &header,
        &claims(&issuer.url, "tenant-a", rw),
        &EncodingKey::from_secret(&rsa1.public_bytes),
    )
    .unwrap();
    assert_invalid(&h.get(&hs, &uri).await, "HS256");

    // Unknown kid: the server refetches the JWKS once, then refuses.
    let stranger = rsa_key("stranger");
    let before = issuer.jwks_hits.load(Ordering::SeqCst);
    assert_invalid(
        &h.get(&sign(&stranger, &claims(&issuer.url, "tenant-a", rw)), &uri).await,
        "unknown kid",
    );
    assert_eq!(issuer.jwks_hits.load(Ordering::SeqCst), before + 1, "one refetch");

    // Rotation: the issuer publishes a new key; a token signed by it is accepted after refresh.
    let rsa2 = rsa_key("rsa-2");
    issuer.jwks.lock().unwrap().push(rsa2.jwk.clone());
    let rotated = sign(&rsa2, &claims(&issuer.url, "tenant-a", rw));
    assert_eq!(h.get(&rotated, &uri).await.status, StatusCode::OK);

    // Tenant B cannot read tenant A's scan (404, as for an unknown id).
    let b = sign(&rsa1, &claims(&issuer.url, "tenant-b", rw));
    let reply = h.get(&b, &uri).await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    assert_eq!(reply.body["code"], "NOT_FOUND");

    // A read-only token can read but not write: 403 INSUFFICIENT_SCOPE.
    let ro = sign(&ec1, &claims(&issuer.url, "tenant-a", "scans:read"));
    assert_eq!(h.get(&ro, &uri).await.status, StatusCode::OK);
    let reply = h.post(&ro, &common::record()).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN, "{:?}", reply.body);
    assert_eq!(reply.body["code"], "INSUFFICIENT_SCOPE");
    let reply = h
        .call(Method::PUT, &uri, Some(&ro), Some(b"{\"reference\":\"x\"}".to_vec()))
        .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);

    // No tenant claim: refused.
    let mut c = claims(&issuer.url, "tenant-a", rw);
    c.as_object_mut().unwrap().remove("tenant");
    assert_invalid(&h.get(&sign(&rsa1, &c), &uri).await, "no tenant");
}
