//! The rate limits through real HTTP: the `likeness-server` binary itself, started on loopback
//! with small limits set by its environment (`LIKENESS_RATE_TENANT_*`, `LIKENESS_RATE_CLIENT_*`,
//! see `src/config.rs`), so the per-address limit sees real TCP peers (`ConnectInfo`, as in
//! `main.rs`). Clients connect from 127.0.0.1 and from 127.0.0.2 (both loopback on Linux) to be
//! two client addresses. On SQLite always, and on PostgreSQL too when
//! `LIKENESS_TEST_POSTGRES_URL` is set (random tenant names, as in `common`).
//!
//! Timing: refill rates are 0.2/s where a test must not see a token come back (a token takes
//! 5 s, the requests in between take milliseconds) and 1/s where a test waits for one (the wait
//! is the `Retry-After` the server sent: 1 s).

mod common;

use std::io::{BufRead, BufReader};
use std::net::{IpAddr, Ipv4Addr};
use std::process::{Child, Command, Stdio};
use std::sync::{mpsc, Arc, Mutex};
use std::time::Duration;

use common::{id_of, record};
use likeness_server::db::Db;
use reqwest::header::HeaderMap;
use serde_json::{json, Value};

const ORIGIN: &str = "http://localhost:8000";
const STRANGER: IpAddr = IpAddr::V4(Ipv4Addr::new(127, 0, 0, 1));
const OTHER: IpAddr = IpAddr::V4(Ipv4Addr::new(127, 0, 0, 2));

fn uid() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

/// The databases to run on: (name, url, the temporary directory that holds a SQLite file).
fn databases() -> Vec<(&'static str, String, Option<tempfile::TempDir>)> {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("rate.db").display());
    let mut out = vec![("sqlite", url, Some(dir))];
    if let Ok(url) = std::env::var("LIKENESS_TEST_POSTGRES_URL") {
        if !url.trim().is_empty() {
            out.push(("postgres", url, None));
        }
    }
    out
}

/// A running `likeness-server` process; killed when dropped.
struct Server {
    child: Child,
    base: String,
    database_url: String,
    log: Arc<Mutex<Vec<String>>>,
    _dir: Option<tempfile::TempDir>,
}

impl Server {
    /// Starts the binary with a clean environment: only the variables given here (so a
    /// `LIKENESS_*` of the developer's shell cannot change the limits under test).
    fn start(
        database_url: &str,
        dir: Option<tempfile::TempDir>,
        tokens: &[(&str, &str)],
        env: &[(&str, &str)],
    ) -> Server {
        let tokens = tokens
            .iter()
            .map(|(tenant, token)| format!("{tenant}:{token}"))
            .collect::<Vec<_>>()
            .join(",");
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_likeness-server"));
        cmd.env_clear()
            .env("LIKENESS_BACKEND_ADDR", "127.0.0.1:0")
            .env("LIKENESS_DATABASE_URL", database_url)
            .env("LIKENESS_TOKENS", tokens)
            .env("LIKENESS_CORS_ORIGINS", ORIGIN)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().expect("start likeness-server");
        let stderr = child.stderr.take().unwrap();
        let log = Arc::new(Mutex::new(Vec::new()));
        let (tx, rx) = mpsc::channel();
        let lines = log.clone();
        // Keeps reading after start-up, so the pipe never fills and the log is there on failure.
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                if let Some(rest) = line.strip_prefix("likeness-server: listening on ") {
                    let _ = tx.send(rest.split_whitespace().next().unwrap_or("").to_string());
                }
                lines.lock().unwrap().push(line);
            }
        });
        let base = match rx.recv_timeout(Duration::from_secs(60)) {
            Ok(base) => base,
            Err(_) => {
                let _ = child.kill();
                let _ = child.wait();
                panic!("likeness-server did not start: {:?}", log.lock().unwrap());
            }
        };
        assert!(base.starts_with("http://127.0.0.1:"), "{base}");
        Server {
            child,
            base,
            database_url: database_url.to_string(),
            log,
            _dir: dir,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if std::thread::panicking() {
            eprintln!("server log: {:#?}", self.log.lock().unwrap());
        }
    }
}

/// An HTTP client whose connections come from `from` (one client address).
fn client(from: IpAddr) -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .local_address(from)
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap()
}

struct Reply {
    status: u16,
    headers: HeaderMap,
    body: Value,
}

/// Short, for assertion messages: the status, the headers and the error code and message (a
/// scan record body would fill the screen).
impl std::fmt::Debug for Reply {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} {:?} code={} message={}",
            self.status, self.headers, self.body["code"], self.body["message"]
        )
    }
}

async fn send(req: reqwest::RequestBuilder) -> Reply {
    let res = req.send().await.expect("the server answers");
    let status = res.status().as_u16();
    let headers = res.headers().clone();
    let raw = res.bytes().await.unwrap();
    let body = serde_json::from_slice(&raw).unwrap_or(Value::Null);
    Reply {
        status,
        headers,
        body,
    }
}

async fn get(c: &reqwest::Client, s: &Server, path: &str, token: Option<&str>) -> Reply {
    let mut req = c.get(s.url(path));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    send(req).await
}

async fn post(c: &reqwest::Client, s: &Server, token: &str, rec: &Value) -> Reply {
    send(
        c.post(s.url("/v1/face-recognition"))
            .bearer_auth(token)
            .json(rec),
    )
    .await
}

fn header<'a>(r: &'a Reply, name: &str) -> Option<&'a str> {
    r.headers.get(name).map(|v| v.to_str().unwrap())
}

/// A 429 exactly as documented: `Retry-After` in whole seconds (> 0, at most `max_secs`), the
/// `{code, message}` body naming the limit (`what`: "tenant" or "client address") and the same
/// seconds; JSON; no authentication challenge (it is not an auth failure). Returns the seconds.
fn assert_rate_limited(r: &Reply, what: &str, max_secs: u64, case: &str) -> u64 {
    assert_eq!(r.status, 429, "{case}: {r:?}");
    let text = header(r, "retry-after").unwrap_or_else(|| panic!("{case}: no Retry-After"));
    let secs: u64 = text
        .parse()
        .unwrap_or_else(|_| panic!("{case}: Retry-After {text:?} is not integer seconds"));
    assert!(secs > 0 && secs <= max_secs, "{case}: Retry-After {secs}");
    assert_eq!(
        r.body,
        json!({
            "code": "RATE_LIMITED",
            "message": format!("too many requests for this {what}; retry in {secs} s"),
        }),
        "{case}"
    );
    assert_eq!(
        header(r, "content-type"),
        Some("application/json"),
        "{case}"
    );
    assert_eq!(header(r, "www-authenticate"), None, "{case}");
    secs
}

fn assert_unauthorized(r: &Reply, case: &str) {
    assert_eq!(r.status, 401, "{case}: {r:?}");
    assert_eq!(r.body["code"], "UNAUTHORIZED", "{case}");
    assert_eq!(
        header(r, "www-authenticate"),
        Some("Bearer realm=\"likeness\""),
        "{case}"
    );
    assert_eq!(header(r, "retry-after"), None, "{case}");
}

/// Per tenant: a burst of 3, then 429 + `Retry-After: 5` (0.2 tokens/s) with the documented
/// body; the bucket is the tenant's (a second token of the same tenant is refused too); a
/// refused create writes nothing; the 429 carries CORS headers that expose `Retry-After` to the
/// page; another tenant, from the same address at the same time, has its own full burst.
#[tokio::test]
async fn tenant_limit_is_429_with_retry_after_and_spares_other_tenants() {
    for (name, url, dir) in databases() {
        let (acme, globex) = (format!("acme-{}", uid()), format!("globex-{}", uid()));
        let (a1, a2, b) = (
            format!("a1-{}", uid()),
            format!("a2-{}", uid()),
            format!("b-{}", uid()),
        );
        let s = Server::start(
            &url,
            dir,
            &[(&acme, &a1), (&acme, &a2), (&globex, &b)],
            &[
                ("LIKENESS_RATE_TENANT_PER_SEC", "0.2"),
                ("LIKENESS_RATE_TENANT_BURST", "3"),
                ("LIKENESS_RATE_CLIENT_PER_SEC", "0"),
            ],
        );
        let c = client(STRANGER);
        let case = |what: &str| format!("{name}: {what}");

        // acme's burst of 3, across its two tokens.
        let first = record();
        let one = format!("/v1/face-recognition/{}", id_of(&first));
        assert_eq!(post(&c, &s, &a1, &first).await.status, 201, "{name}");
        assert_eq!(get(&c, &s, &one, Some(&a1)).await.status, 200, "{name}");
        let list = get(&c, &s, "/v1/face-recognition", Some(&a2)).await;
        assert_eq!(
            (list.status, &list.body["total_elements"]),
            (200, &json!(1)),
            "{name}"
        );

        // The 4th: refused, and the refused create is not stored. The next token is 5 s away
        // (0.2/s); the three requests above took far less than the 1 s that would make it 4.
        let refused = record();
        let r = post(&c, &s, &a1, &refused).await;
        assert_eq!(
            assert_rate_limited(&r, "tenant", 5, &case("a1 POST")),
            5,
            "{name}"
        );
        // The other token of the same tenant shares the bucket: the limit is per tenant.
        let r = get(&c, &s, "/v1/face-recognition", Some(&a2)).await;
        assert_rate_limited(&r, "tenant", 5, &case("a2 GET"));
        // From a page: the 429 is readable cross-origin, with Retry-After exposed to scripts
        // (the outbox needs it; without Access-Control-Expose-Headers the browser hides it).
        let r = send(c.get(s.url(&one)).bearer_auth(&a1).header("origin", ORIGIN)).await;
        assert_rate_limited(&r, "tenant", 5, &case("a1 GET from the page's origin"));
        assert_eq!(
            header(&r, "access-control-allow-origin"),
            Some(ORIGIN),
            "{name}"
        );
        let exposed = header(&r, "access-control-expose-headers")
            .unwrap_or("")
            .to_ascii_lowercase();
        assert!(
            exposed.split(',').any(|h| h.trim() == "retry-after"),
            "{name}: exposed {exposed:?}"
        );

        // globex, same client address, meanwhile: its own burst of 3 is whole.
        let theirs = record();
        assert_eq!(post(&c, &s, &b, &theirs).await.status, 201, "{name}");
        let r = get(
            &c,
            &s,
            &format!("/v1/face-recognition/{}", id_of(&theirs)),
            Some(&b),
        )
        .await;
        assert_eq!(r.status, 200, "{name}: {r:?}");
        let r = get(&c, &s, "/v1/face-recognition", Some(&b)).await;
        assert_eq!(
            (r.status, &r.body["total_elements"]),
            (200, &json!(1)),
            "{name}"
        );
        // ... and then globex is limited like acme (each tenant has the same limit, alone).
        let r = get(&c, &s, "/v1/face-recognition", Some(&b)).await;
        assert_rate_limited(&r, "tenant", 5, &case("globex's 4th"));
        // acme is still refused: globex's requests did not refill or reset acme's bucket.
        let r = get(&c, &s, &one, Some(&a1)).await;
        assert_rate_limited(&r, "tenant", 5, &case("acme after globex"));

        // Nothing of the refused create reached the database; the accepted one did.
        let db = Db::connect(&s.database_url).await.unwrap();
        assert!(
            db.get_scan(&acme, &id_of(&refused))
                .await
                .unwrap()
                .is_none(),
            "{name}"
        );
        assert!(
            db.get_scan(&acme, &id_of(&first)).await.unwrap().is_some(),
            "{name}"
        );
        db.pool.close().await;
    }
}

/// Per client address, before authentication: a stranger flooding with guessed tokens gets 401
/// for the address's burst (5), then 429 — the token is not even looked at — and so does a
/// valid token from that address, and so does `/health` (the limit covers every route).
/// Another address is untouched, and the flood spent none of the tenant's own budget.
#[tokio::test]
async fn client_address_limit_throttles_bad_tokens_before_authentication() {
    for (name, url, dir) in databases() {
        let (acme, token) = (format!("acme-{}", uid()), format!("tok-{}", uid()));
        let s = Server::start(
            &url,
            dir,
            &[(&acme, &token)],
            &[
                ("LIKENESS_RATE_CLIENT_PER_SEC", "0.2"),
                ("LIKENESS_RATE_CLIENT_BURST", "5"),
                ("LIKENESS_RATE_TENANT_PER_SEC", "0.2"),
                ("LIKENESS_RATE_TENANT_BURST", "2"),
            ],
        );
        let stranger = client(STRANGER);
        let case = |what: &str| format!("{name}: {what}");

        // 30 guesses at once from one address: exactly the burst of 5 reach authentication.
        let guesses: Vec<_> = (0..30)
            .map(|i| {
                let req = stranger
                    .get(s.url("/v1/face-recognition"))
                    .bearer_auth(format!("guess-{i}"));
                tokio::spawn(send(req))
            })
            .collect();
        let mut replies = Vec::new();
        for task in guesses {
            replies.push(task.await.unwrap());
        }
        let (mut unauthorized, mut limited) = (0, 0);
        for r in &replies {
            match r.status {
                401 => {
                    assert_unauthorized(r, &case("a guess within the burst"));
                    unauthorized += 1;
                }
                _ => {
                    assert_rate_limited(r, "client address", 5, &case("a guess over the burst"));
                    limited += 1;
                }
            }
        }
        assert_eq!((unauthorized, limited), (5, 25), "{name}");

        // The limit runs before auth: a valid token from the flooding address is refused too,
        // and so is a request that needs no token at all.
        let r = get(&stranger, &s, "/v1/face-recognition", Some(&token)).await;
        assert_rate_limited(
            &r,
            "client address",
            5,
            &case("a valid token from the flooder"),
        );
        let r = get(&stranger, &s, "/health", None).await;
        assert_rate_limited(&r, "client address", 5, &case("/health from the flooder"));

        // Another address is its own bucket: a bad token there is a plain 401, not 429 ...
        let other = client(OTHER);
        assert_unauthorized(
            &get(&other, &s, "/v1/face-recognition", Some("guess-x")).await,
            &case("a guess from another address"),
        );
        // ... and the tenant's burst of 2 is whole: the 30 guesses (and the refused valid
        // request, which never got past the address limit) did not spend it.
        for i in 0..2 {
            let r = get(&other, &s, "/v1/face-recognition", Some(&token)).await;
            assert_eq!(
                (r.status, &r.body["total_elements"]),
                (200, &json!(0)),
                "{name} {i}"
            );
        }
        // The 3rd is the tenant's limit (this address has used 4 of its 5), named as such.
        let r = get(&other, &s, "/v1/face-recognition", Some(&token)).await;
        assert_rate_limited(&r, "tenant", 5, &case("the tenant's 3rd"));
    }
}

/// Waiting the `Retry-After` the server sent is enough, for both limits: after 1 s (1 token/s)
/// exactly one request is let in again, a create is stored, and the next is refused again.
/// Refused requests do not run up a debt: several 429s in a row still mean a 1 s wait.
#[tokio::test]
async fn after_retry_after_the_requests_succeed_again() {
    for (name, url, dir) in databases() {
        let case = |what: &str| format!("{name}: {what}");
        // The tenant limit alone.
        let (acme, token) = (format!("acme-{}", uid()), format!("tok-{}", uid()));
        let s = Server::start(
            &url,
            dir,
            &[(&acme, &token)],
            &[
                ("LIKENESS_RATE_TENANT_PER_SEC", "1"),
                ("LIKENESS_RATE_TENANT_BURST", "2"),
                ("LIKENESS_RATE_CLIENT_PER_SEC", "0"),
            ],
        );
        let c = client(STRANGER);
        for _ in 0..2 {
            assert_eq!(
                get(&c, &s, "/v1/face-recognition", Some(&token))
                    .await
                    .status,
                200
            );
        }
        let mut wait = 0;
        for i in 0..3 {
            let r = get(&c, &s, "/v1/face-recognition", Some(&token)).await;
            wait = assert_rate_limited(&r, "tenant", 1, &case(&format!("tenant refusal {i}")));
        }
        assert_eq!(wait, 1, "{name}");
        tokio::time::sleep(Duration::from_secs(wait)).await;
        let rec = record();
        let r = post(&c, &s, &token, &rec).await;
        assert_eq!(r.status, 201, "{name}: after Retry-After: {r:?}");
        let r = post(&c, &s, &token, &record()).await;
        assert_rate_limited(&r, "tenant", 1, &case("right after the one let in"));
        let db = Db::connect(&s.database_url).await.unwrap();
        assert!(
            db.get_scan(&acme, &id_of(&rec)).await.unwrap().is_some(),
            "{name}"
        );
        db.pool.close().await;
        drop(s);

        // The client-address limit alone (a fresh SQLite file, or the same PostgreSQL).
        let (url, dir) = match name {
            "sqlite" => {
                let dir = tempfile::tempdir().unwrap();
                let url = format!("sqlite://{}?mode=rwc", dir.path().join("rate.db").display());
                (url, Some(dir))
            }
            _ => (url, None),
        };
        let s = Server::start(
            &url,
            dir,
            &[(&acme, &token)],
            &[
                ("LIKENESS_RATE_CLIENT_PER_SEC", "1"),
                ("LIKENESS_RATE_CLIENT_BURST", "2"),
                ("LIKENESS_RATE_TENANT_PER_SEC", "0"),
            ],
        );
        for _ in 0..2 {
            assert_unauthorized(
                &get(&c, &s, "/v1/face-recognition", Some("guess")).await,
                &case("a guess within the burst"),
            );
        }
        for i in 0..3 {
            let r = get(&c, &s, "/v1/face-recognition", Some("guess")).await;
            wait = assert_rate_limited(
                &r,
                "client address",
                1,
                &case(&format!("address refusal {i}")),
            );
        }
        assert_eq!(wait, 1, "{name}");
        tokio::time::sleep(Duration::from_secs(wait)).await;
        let r = get(&c, &s, "/v1/face-recognition", Some(&token)).await;
        assert_eq!(r.status, 200, "{name}: after Retry-After: {r:?}");
        let r = get(&c, &s, "/v1/face-recognition", Some(&token)).await;
        assert_rate_limited(&r, "client address", 1, &case("right after the one let in"));
    }
}

/// The served OpenAPI document tells clients about the 429: every operation lists it, with the
/// `Retry-After` header, and the API description says 429 is retried (not final like other 4xx).
#[tokio::test]
async fn openapi_documents_the_429() {
    let (_, url, dir) = databases().remove(0);
    let s = Server::start(&url, dir, &[], &[]);
    let doc = get(&client(STRANGER), &s, "/v1/openapi.json", None).await;
    assert_eq!(doc.status, 200);
    let info = doc.body["info"]["description"].as_str().unwrap();
    assert!(info.contains("429"), "{info}");
    let responses = &doc.body["components"]["responses"];
    let limited = &responses["RateLimited"];
    assert!(
        limited["headers"]["Retry-After"]["schema"]["type"] == "integer",
        "{limited}"
    );
    let mut operations = 0;
    for (path, item) in doc.body["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let Some(op_responses) = op.get("responses") else {
                continue;
            };
            operations += 1;
            assert_eq!(
                op_responses["429"]["$ref"], "#/components/responses/RateLimited",
                "{method} {path}"
            );
        }
    }
    assert_eq!(operations, 6);
}
