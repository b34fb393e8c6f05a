//! Test harness: the real router in-process (tower `oneshot`), on a fresh SQLite file always and
//! on PostgreSQL too when `LIKENESS_TEST_POSTGRES_URL` is set. On PostgreSQL the tests share one
//! database, so every harness gets tenants of its own (random names): tests never see each
//! other's rows.
#![allow(dead_code)]

use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode};
use axum::Router;
use http_body_util::BodyExt;
use likeness_server::config::{Config, Cors};
use likeness_server::db::Db;
use serde_json::{json, Value};
use tower::ServiceExt;

pub const MAX_BODY: usize = 64 * 1024;

pub struct Harness {
    pub name: &'static str,
    pub app: Router,
    pub db: Db,
    /// Tenant A and its token; tenant B and its token.
    pub tenant_a: String,
    pub token_a: String,
    pub tenant_b: String,
    pub token_b: String,
    pub database_url: String,
    pub _dir: Option<tempfile::TempDir>,
}

pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Value,
    pub raw: Vec<u8>,
}

fn uid() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

async fn harness(
    name: &'static str,
    database_url: String,
    dir: Option<tempfile::TempDir>,
) -> Harness {
    let (tenant_a, tenant_b) = (format!("acme-{}", uid()), format!("globex-{}", uid()));
    let (token_a, token_b) = (format!("tok-a-{}", uid()), format!("tok-b-{}", uid()));
    let config = Config {
        addr: "127.0.0.1:0".parse().unwrap(),
        database_url: database_url.clone(),
        tokens: vec![
            (tenant_a.clone(), token_a.clone()),
            (tenant_b.clone(), token_b.clone()),
        ],
        cors: Cors::Origins(vec!["http://localhost:8000".to_string()]),
        max_body_bytes: MAX_BODY,
        oidc: None,
        tenant_rate: None,
        client_rate: None,
    };
    let (app, db) = likeness_server::build(&config)
        .await
        .unwrap_or_else(|e| panic!("{name}: {e}"));
    Harness {
        name,
        app,
        db,
        tenant_a,
        token_a,
        tenant_b,
        token_b,
        database_url,
        _dir: dir,
    }
}

/// One harness per configured database: SQLite always, PostgreSQL when asked for.
pub async fn harnesses() -> Vec<Harness> {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("likeness.db").display());
    let mut out = vec![harness("sqlite", url, Some(dir)).await];
    if let Ok(url) = std::env::var("LIKENESS_TEST_POSTGRES_URL") {
        if !url.trim().is_empty() {
            out.push(harness("postgres", url, None).await);
        }
    }
    out
}

impl Harness {
    pub async fn call(
        &self,
        method: Method,
        uri: &str,
        token: Option<&str>,
        body: Option<Vec<u8>>,
    ) -> Reply {
        let mut req = Request::builder().method(method).uri(uri);
        if let Some(t) = token {
            req = req.header("authorization", format!("Bearer {t}"));
        }
        if body.is_some() {
            req = req.header("content-type", "application/json");
        }
        let req = req
            .body(body.map(Body::from).unwrap_or_else(Body::empty))
            .unwrap();
        self.send(req).await
    }

    pub async fn send(&self, req: Request<Body>) -> Reply {
        let res = self.app.clone().oneshot(req).await.unwrap();
        let status = res.status();
        let headers = res.headers().clone();
        let raw = res.into_body().collect().await.unwrap().to_bytes().to_vec();
        let body = if raw.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&raw).unwrap_or(Value::Null)
        };
        Reply {
            status,
            headers,
            body,
            raw,
        }
    }

    pub async fn post(&self, token: &str, record: &Value) -> Reply {
        self.call(
            Method::POST,
            "/v1/face-recognition",
            Some(token),
            Some(record.to_string().into_bytes()),
        )
        .await
    }

    pub async fn get(&self, token: &str, uri: &str) -> Reply {
        self.call(Method::GET, uri, Some(token), None).await
    }

    pub async fn put(&self, token: &str, id: &str, patch: &Value) -> Reply {
        self.call(
            Method::PUT,
            &format!("/v1/face-recognition/{id}"),
            Some(token),
            Some(patch.to_string().into_bytes()),
        )
        .await
    }
}

/// A face like seed 004's, slightly varied by `k`.
pub fn face(k: f64) -> Value {
    let landmarks: Vec<Value> = (0..68)
        .map(|i| json!({ "x": 150.0 + i as f64 + k, "y": 200.0 + (i as f64) * 0.5 }))
        .collect();
    json!({
        "eye_dist": 50.08992004394531 + k,
        "face_luminance": 159.13522338867188,
        "face_occlusion": 0.0877809002995491,
        "face_quality": 1.0,
        "landmark_68": landmarks,
        "left_eye_closed": 0.00011981386342085898,
        "mouth_opened": 0.6982099413871765,
        "pitch": 3.550708532333374,
        "right_eye_closed": 0.16304536163806915,
        "roll": -23.1104736328125,
        "x1": 158, "x2": 287, "y1": 114, "y2": 279,
        "yaw": -25.781755447387695
    })
}

/// A valid scan record with a fresh id.
pub fn record() -> Value {
    json!({
        "channel": "WEB",
        "compare_result": "Same person",
        "compare_similarity": 0.8381412625312805,
        "created": "2024-05-01T12:12:06.090098",
        "face1": face(0.0),
        "face2": face(1.0),
        "id": uuid::Uuid::new_v4().to_string(),
        "reference": "0002"
    })
}

pub fn id_of(record: &Value) -> String {
    record["id"].as_str().unwrap().to_string()
}
