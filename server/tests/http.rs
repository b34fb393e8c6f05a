//! Everything around the four endpoints: health, the OpenAPI document, CORS, unknown routes,
//! and a real listener shut down gracefully with a write in flight.

mod common;

use std::future::IntoFuture;
use std::time::Duration;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use common::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

#[tokio::test]
async fn health_and_openapi_need_no_token() {
    for h in harnesses().await {
        let r = h.call(Method::GET, "/health", None, None).await;
        assert_eq!(
            (r.status, r.body["status"].as_str()),
            (StatusCode::OK, Some("ok")),
            "{}",
            h.name
        );
        let r = h.call(Method::GET, "/v1/openapi.json", None, None).await;
        assert_eq!(r.status, StatusCode::OK);
        assert_eq!(r.headers["content-type"], "application/json");
        assert!(r.body["openapi"].as_str().unwrap().starts_with("3."));
        let paths = &r.body["paths"];
        for (path, method) in [
            ("/v1/face-recognition", "post"),
            ("/v1/face-recognition", "get"),
            ("/v1/face-recognition/{id}", "get"),
            ("/v1/face-recognition/{id}", "put"),
        ] {
            assert!(
                paths[path][method].is_object(),
                "{method} {path} documented"
            );
        }
    }
}

#[tokio::test]
async fn unknown_routes_and_methods() {
    for h in harnesses().await {
        let r = h
            .call(Method::GET, "/v2/nothing", Some(&h.token_a), None)
            .await;
        assert_eq!(
            (r.status, r.body["code"].as_str()),
            (StatusCode::NOT_FOUND, Some("NOT_FOUND"))
        );
        let r = h
            .call(
                Method::DELETE,
                &format!("/v1/face-recognition/{}", uuid::Uuid::new_v4()),
                Some(&h.token_a),
                None,
            )
            .await;
        assert_eq!(
            (r.status, r.body["code"].as_str()),
            (StatusCode::METHOD_NOT_ALLOWED, Some("METHOD_NOT_ALLOWED"))
        );
    }
}

#[tokio::test]
async fn cors_for_the_demo_origin_only() {
    for h in harnesses().await {
        let preflight = |origin: &str| {
            Request::builder()
                .method(Method::OPTIONS)
                .uri("/v1/face-recognition")
                .header("origin", origin)
                .header("access-control-request-method", "POST")
                .header(
                    "access-control-request-headers",
                    "authorization,content-type",
                )
                .body(Body::empty())
                .unwrap()
        };
        let r = h.send(preflight("http://localhost:8000")).await;
        assert!(r.status.is_success(), "{}: {}", h.name, r.status);
        assert_eq!(
            r.headers["access-control-allow-origin"],
            "http://localhost:8000"
        );
        let methods = r.headers["access-control-allow-methods"]
            .to_str()
            .unwrap()
            .to_string();
        assert!(
            methods.contains("POST") && methods.contains("PUT"),
            "{methods}"
        );
        let allowed = r.headers["access-control-allow-headers"]
            .to_str()
            .unwrap()
            .to_ascii_lowercase();
        assert!(
            allowed.contains("authorization") && allowed.contains("content-type"),
            "{allowed}"
        );
        let r = h.send(preflight("https://evil.example")).await;
        assert!(r.headers.get("access-control-allow-origin").is_none());
        // Errors carry the CORS headers too, or the page could not read the 401's body.
        let req = Request::get("/v1/face-recognition")
            .header("origin", "http://localhost:8000")
            .body(Body::empty())
            .unwrap();
        let r = h.send(req).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
        assert_eq!(
            r.headers["access-control-allow-origin"],
            "http://localhost:8000"
        );
    }
}

/// Sends `head` + `body` over `stream` and reads the whole response (the request says
/// `Connection: close`). Returns the status code and the body text.
async fn read_response(stream: &mut tokio::net::TcpStream) -> (u16, String) {
    let mut buf = Vec::new();
    stream.read_to_end(&mut buf).await.unwrap();
    let text = String::from_utf8_lossy(&buf).to_string();
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    (status, body)
}

/// A real listener: a POST whose body is still arriving when the shutdown signal comes is
/// finished, committed and answered; after the server is gone the record is in the database.
#[tokio::test]
async fn graceful_shutdown_keeps_the_write_in_flight() {
    for h in harnesses().await {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let server = tokio::spawn(
            axum::serve(listener, h.app.clone())
                .with_graceful_shutdown(async move {
                    let _ = stop_rx.await;
                })
                .into_future(),
        );

        let rec = record();
        let body = rec.to_string().into_bytes();
        let head = format!(
            "POST /v1/face-recognition HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            h.token_a,
            body.len()
        );
        let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
        stream.write_all(head.as_bytes()).await.unwrap();
        stream.write_all(&body[..body.len() / 2]).await.unwrap();
        tokio::time::sleep(Duration::from_millis(200)).await;
        stop_tx.send(()).unwrap();
        tokio::time::sleep(Duration::from_millis(100)).await;
        stream.write_all(&body[body.len() / 2..]).await.unwrap();
        let (status, text) = read_response(&mut stream).await;
        assert_eq!(status, 201, "{}: {text}", h.name);
        tokio::time::timeout(Duration::from_secs(10), server)
            .await
            .expect("server stops")
            .unwrap()
            .unwrap();
        // New connections are refused now.
        assert!(
            tokio::net::TcpStream::connect(addr).await.is_err(),
            "{}",
            h.name
        );
        // A fresh connection to the database (as after a restart) sees the acknowledged write.
        let db = likeness_server::db::Db::connect(&h.database_url)
            .await
            .unwrap();
        let stored = db
            .get_scan(&h.tenant_a, &id_of(&rec))
            .await
            .unwrap()
            .expect("acknowledged write is stored");
        assert_eq!(
            serde_json::from_str::<serde_json::Value>(&stored.record).unwrap(),
            rec,
            "{}",
            h.name
        );
    }
}
