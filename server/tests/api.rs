//! The four endpoints of seed 004, paging, auth, validation and idempotent create, each run on
//! SQLite and (with `LIKENESS_TEST_POSTGRES_URL`) on PostgreSQL.

mod common;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use common::*;
use serde_json::{json, Value};

#[tokio::test]
async fn create_then_get() {
    for h in harnesses().await {
        let rec = record();
        let id = id_of(&rec);
        let r = h.post(&h.token_a, &rec).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}: {:?}", h.name, r.body);
        assert_eq!(r.body, rec, "{}", h.name);
        assert_eq!(
            r.headers["location"],
            format!("/v1/face-recognition/{id}").as_str()
        );
        let r = h
            .get(&h.token_a, &format!("/v1/face-recognition/{id}"))
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", h.name);
        assert_eq!(
            r.body, rec,
            "{}: the stored record is the record sent",
            h.name
        );
        // Extra fields the SDK may add are kept.
        let mut rich = record();
        rich["face1"]["sharpness"] = json!(123.5);
        rich["face1"]["quality_checks"] = json!(["off_pose"]);
        rich["face1"]["landmark_5"] =
            json!([{"x":1,"y":2},{"x":1,"y":2},{"x":1,"y":2},{"x":1,"y":2},{"x":1,"y":2}]);
        rich["face2"]["embedding"] = json!([0.1, 0.2, 0.3]);
        rich["reference"] = Value::Null;
        let r = h.post(&h.token_a, &rich).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}: {:?}", h.name, r.body);
        let r = h
            .get(
                &h.token_a,
                &format!("/v1/face-recognition/{}", id_of(&rich)),
            )
            .await;
        assert_eq!(r.body, rich, "{}", h.name);
    }
}

/// The document summary of a document-mode record (`likeness::scan::DocumentSummary`).
fn document_summary() -> Value {
    json!({
        "format": "ID-1",
        "corners": [[50.5, 60.0], [550.0, 61.25], [549.0, 375.5], [51.0, 374.0]],
        "portrait_eye_dist": 31.5,
        "portrait_glare": 0.02,
        "portrait_sharpness": 57.25,
        "portrait_print": "grey"
    })
}

/// `document_summary()` with `key` set to `value`.
fn document_with(key: &str, value: Value) -> Value {
    let mut d = document_summary();
    d[key] = value;
    d
}

/// A record with every field that says how the verdict was decided (document mode).
fn decided_record() -> Value {
    let mut rec = record();
    rec["compare_preset"] = json!("medium");
    rec["compare_nominal_far"] = json!(1e-4);
    rec["compare_threshold"] = json!(0.4123);
    rec["compare_mode"] = json!("document");
    rec["compare_measured_far"] = json!(0.0);
    rec["compare_measured_frr"] = json!(0.0315);
    rec["document"] = document_summary();
    rec
}

#[tokio::test]
async fn decision_fields() {
    for h in harnesses().await {
        // Document mode with every field: stored and read back exactly.
        let rec = decided_record();
        let id = id_of(&rec);
        let r = h.post(&h.token_a, &rec).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}: {:?}", h.name, r.body);
        assert_eq!(r.body, rec, "{}", h.name);
        let one = format!("/v1/face-recognition/{id}");
        assert_eq!(h.get(&h.token_a, &one).await.body, rec, "{}", h.name);
        // Selfie mode with an explicit threshold: the nullable fields null, no card outline.
        let mut explicit = decided_record();
        for key in [
            "compare_preset",
            "compare_nominal_far",
            "compare_measured_far",
            "compare_measured_frr",
            "document",
        ] {
            explicit[key] = Value::Null;
        }
        explicit["compare_mode"] = json!("selfie");
        explicit["compare_threshold"] = json!(-0.25);
        let r = h.post(&h.token_a, &explicit).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}: {:?}", h.name, r.body);
        assert_eq!(r.body, explicit, "{}", h.name);
        // A document without a card outline (a crop of the portrait): format and corners null.
        let mut crop = decided_record();
        crop["document"]["format"] = Value::Null;
        crop["document"]["corners"] = Value::Null;
        crop["document"]["portrait_print"] = json!("colour");
        let r = h.post(&h.token_a, &crop).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}: {:?}", h.name, r.body);
        assert_eq!(r.body, crop, "{}", h.name);
        // Older clients omit them all: still accepted, and nothing is added.
        let old = record();
        for key in [
            "compare_preset",
            "compare_nominal_far",
            "compare_threshold",
            "compare_mode",
            "compare_measured_far",
            "compare_measured_frr",
            "document",
        ] {
            assert!(old.get(key).is_none(), "{key}");
        }
        let r = h.post(&h.token_a, &old).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}: {:?}", h.name, r.body);
        let got = h
            .get(&h.token_a, &format!("/v1/face-recognition/{}", id_of(&old)))
            .await
            .body;
        assert_eq!(got, old, "{}", h.name);

        // PUT changes the mode (and the other decision fields); a bad mode is refused.
        let r = h
            .put(&h.token_a, &id, &json!({"compare_mode": "selfie"}))
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}: {:?}", h.name, r.body);
        let mut expected = rec.clone();
        expected["compare_mode"] = json!("selfie");
        assert_eq!(r.body, expected, "{}", h.name);
        let r = h
            .put(
                &h.token_a,
                &id,
                &json!({"document": null, "compare_measured_far": 1e-4, "compare_measured_frr": 0.01}),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}: {:?}", h.name, r.body);
        expected["document"] = Value::Null;
        expected["compare_measured_far"] = json!(1e-4);
        expected["compare_measured_frr"] = json!(0.01);
        assert_eq!(r.body, expected, "{}", h.name);
        for patch in [
            json!({"compare_mode": "auto"}),
            json!({"document": {"format": "ID-1"}}),
        ] {
            let r = h.put(&h.token_a, &id, &patch).await;
            assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}: {patch}", h.name);
        }
        assert_eq!(h.get(&h.token_a, &one).await.body, expected, "{}", h.name);
        // A replay of the original POST is still recognised.
        let r = h.post(&h.token_a, &rec).await;
        assert_eq!(
            (r.status, &r.body),
            (StatusCode::OK, &expected),
            "{}",
            h.name
        );
    }
}

#[tokio::test]
async fn get_unknown_and_bad_ids() {
    for h in harnesses().await {
        let r = h
            .get(
                &h.token_a,
                &format!("/v1/face-recognition/{}", uuid::Uuid::new_v4()),
            )
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", h.name);
        assert_eq!(r.body["code"], "NOT_FOUND");
        let r = h.get(&h.token_a, "/v1/face-recognition/not-a-uuid").await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", h.name);
        assert_eq!(r.body["code"], "INVALID_ID");
    }
}

#[tokio::test]
async fn idempotent_create() {
    for h in harnesses().await {
        let rec = record();
        let id = id_of(&rec);
        assert_eq!(h.post(&h.token_a, &rec).await.status, StatusCode::CREATED);
        // The same body again (a retry after a lost response): 200 and the stored record.
        let r = h.post(&h.token_a, &rec).await;
        assert_eq!(r.status, StatusCode::OK, "{}: {:?}", h.name, r.body);
        assert_eq!(r.body, rec);
        // The same record re-serialised (other key order, 1.0 for 1, upper-case id) is the same.
        let mut text = serde_json::to_string_pretty(&rec).unwrap();
        text = text
            .replace("\"x1\": 158", "\"x1\": 158.0")
            .replace(&id, &id.to_uppercase());
        let r = h
            .call(
                Method::POST,
                "/v1/face-recognition",
                Some(&h.token_a),
                Some(text.into_bytes()),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}: {:?}", h.name, r.body);
        // A different body under the same id: 409.
        let mut other = rec.clone();
        other["compare_similarity"] = json!(0.1);
        other["compare_result"] = json!("Different person");
        let r = h.post(&h.token_a, &other).await;
        assert_eq!(r.status, StatusCode::CONFLICT, "{}", h.name);
        assert_eq!(r.body["code"], "ID_CONFLICT");
        // Nothing was duplicated or overwritten.
        let r = h.get(&h.token_a, "/v1/face-recognition?size=100").await;
        assert_eq!(r.body["total_elements"], 1, "{}", h.name);
        assert_eq!(r.body["content"][0], rec);
    }
}

#[tokio::test]
async fn concurrent_replays_create_once() {
    for h in harnesses().await {
        let rec = record();
        let mut tasks = Vec::new();
        for _ in 0..12 {
            let (app, token, rec) = (h.app.clone(), h.token_a.clone(), rec.clone());
            tasks.push(tokio::spawn(async move {
                use http_body_util::BodyExt;
                use tower::ServiceExt;
                let req = Request::post("/v1/face-recognition")
                    .header("authorization", format!("Bearer {token}"))
                    .body(Body::from(rec.to_string()))
                    .unwrap();
                let res = app.oneshot(req).await.unwrap();
                let status = res.status();
                let _ = res.into_body().collect().await;
                status
            }));
        }
        let mut statuses = Vec::new();
        for t in tasks {
            statuses.push(t.await.unwrap());
        }
        assert_eq!(
            statuses
                .iter()
                .filter(|s| **s == StatusCode::CREATED)
                .count(),
            1,
            "{}: {statuses:?}",
            h.name
        );
        assert!(
            statuses
                .iter()
                .all(|s| *s == StatusCode::CREATED || *s == StatusCode::OK),
            "{}: {statuses:?}",
            h.name
        );
        let r = h.get(&h.token_a, "/v1/face-recognition").await;
        assert_eq!(r.body["total_elements"], 1, "{}", h.name);
    }
}

#[tokio::test]
async fn update() {
    for h in harnesses().await {
        let rec = record();
        let id = id_of(&rec);
        h.post(&h.token_a, &rec).await;
        // Seed 004's PUT model names.
        let r = h.put(&h.token_a, &id, &json!({"compareResult": "Different person", "compareSimilarity": 0.12, "salesChannel": "MOBILE",
            "companyId": uuid::Uuid::new_v4().to_string(), "elapsedTime": 1.5, "id": id})).await;
        assert_eq!(r.status, StatusCode::OK, "{}: {:?}", h.name, r.body);
        let mut expected = rec.clone();
        expected["compare_result"] = json!("Different person");
        expected["compare_similarity"] = json!(0.12);
        expected["channel"] = json!("MOBILE");
        assert_eq!(r.body, expected);
        // The record's own names.
        let r = h
            .put(
                &h.token_a,
                &id,
                &json!({"reference": "0003", "face2": face(5.0), "created": rec["created"]}),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}: {:?}", h.name, r.body);
        expected["reference"] = json!("0003");
        expected["face2"] = face(5.0);
        assert_eq!(
            h.get(&h.token_a, &format!("/v1/face-recognition/{id}"))
                .await
                .body,
            expected,
            "{}",
            h.name
        );
        // A replay of the original POST after an update is still recognised (200, current record).
        let r = h.post(&h.token_a, &rec).await;
        assert_eq!(
            (r.status, &r.body),
            (StatusCode::OK, &expected),
            "{}",
            h.name
        );
        // Refused updates leave the record alone.
        for (patch, code) in [
            (json!({"nickname": "x"}), "UNKNOWN_FIELD"),
            (
                json!({"id": uuid::Uuid::new_v4().to_string()}),
                "ID_MISMATCH",
            ),
            (
                json!({"created": "2030-01-01T00:00:00Z"}),
                "IMMUTABLE_FIELD",
            ),
            (json!({"compare_similarity": "high"}), "INVALID_FIELD"),
            (json!({"compareResult": "Maybe"}), "INVALID_FIELD"),
            (json!({"compare_mode": "auto"}), "INVALID_FIELD"),
            (json!({"face1": {"x1": 1}}), "MISSING_FIELD"),
            (
                json!({"channel": "A", "salesChannel": "B"}),
                "DUPLICATE_FIELD",
            ),
            (json!([1, 2]), "INVALID_BODY"),
        ] {
            let r = h.put(&h.token_a, &id, &patch).await;
            assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}: {patch}", h.name);
            assert_eq!(r.body["code"], code, "{}: {patch}", h.name);
        }
        let r = h
            .call(
                Method::PUT,
                &format!("/v1/face-recognition/{id}"),
                Some(&h.token_a),
                Some(b"{oops".to_vec()),
            )
            .await;
        assert_eq!(r.body["code"], "INVALID_JSON");
        assert_eq!(
            h.get(&h.token_a, &format!("/v1/face-recognition/{id}"))
                .await
                .body,
            expected,
            "{}",
            h.name
        );
        // Not an upsert.
        let r = h
            .put(
                &h.token_a,
                &uuid::Uuid::new_v4().to_string(),
                &json!({"reference": "x"}),
            )
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", h.name);
        let r = h.put(&h.token_a, "nope", &json!({"reference": "x"})).await;
        assert_eq!(r.body["code"], "INVALID_ID");
    }
}

#[tokio::test]
async fn concurrent_updates_are_not_lost() {
    for h in harnesses().await {
        let rec = record();
        let id = id_of(&rec);
        h.post(&h.token_a, &rec).await;
        // Each PUT sets a different field; with a lost update one of them would vanish.
        let patches = [
            json!({"reference": "r"}),
            json!({"channel": "KIOSK"}),
            json!({"compare_similarity": 0.5}),
            json!({"face1": face(9.0)}),
        ];
        let mut tasks = Vec::new();
        for p in patches {
            let (app, token, id) = (h.app.clone(), h.token_a.clone(), id.clone());
            tasks.push(tokio::spawn(async move {
                use tower::ServiceExt;
                let req = Request::put(format!("/v1/face-recognition/{id}"))
                    .header("authorization", format!("Bearer {token}"))
                    .body(Body::from(p.to_string()))
                    .unwrap();
                app.oneshot(req).await.unwrap().status()
            }));
        }
        for t in tasks {
            assert_eq!(t.await.unwrap(), StatusCode::OK, "{}", h.name);
        }
        let got = h
            .get(&h.token_a, &format!("/v1/face-recognition/{id}"))
            .await
            .body;
        assert_eq!(got["reference"], "r", "{}", h.name);
        assert_eq!(got["channel"], "KIOSK", "{}", h.name);
        assert_eq!(got["compare_similarity"], 0.5, "{}", h.name);
        assert_eq!(got["face1"], face(9.0), "{}", h.name);
    }
}

#[tokio::test]
async fn paging() {
    for h in harnesses().await {
        let recs: Vec<Value> = (0..7).map(|_| record()).collect();
        for r in &recs {
            assert_eq!(h.post(&h.token_a, r).await.status, StatusCode::CREATED);
        }
        let mut seen = Vec::new();
        for (page, len) in [(0, 3), (1, 3), (2, 1), (3, 0)] {
            let r = h
                .get(
                    &h.token_a,
                    &format!("/v1/face-recognition?page={page}&size=3"),
                )
                .await;
            assert_eq!(r.status, StatusCode::OK, "{}", h.name);
            assert_eq!(r.body["page"], page);
            assert_eq!(r.body["size"], 3);
            assert_eq!(r.body["total_elements"], 7, "{}", h.name);
            assert_eq!(r.body["total_pages"], 3);
            let content = r.body["content"].as_array().unwrap();
            assert_eq!(content.len(), len, "{} page {page}", h.name);
            seen.extend(content.iter().cloned());
        }
        assert_eq!(
            seen, recs,
            "{}: every record once, in the order received",
            h.name
        );
        // Defaults: page 0, size 20.
        let r = h.get(&h.token_a, "/v1/face-recognition").await;
        assert_eq!(
            (r.body["page"].clone(), r.body["size"].clone()),
            (json!(0), json!(20))
        );
        assert_eq!(r.body["content"].as_array().unwrap().len(), 7);
        // The other tenant has none of them.
        let r = h.get(&h.token_b, "/v1/face-recognition").await;
        assert_eq!(r.body["total_elements"], 0, "{}", h.name);
        assert_eq!(r.body["total_pages"], 0);
        for q in ["size=0", "size=101", "page=-1", "page=abc", "size="] {
            let r = h
                .get(&h.token_a, &format!("/v1/face-recognition?{q}"))
                .await;
            assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}: {q}", h.name);
            assert_eq!(r.body["code"], "INVALID_QUERY");
        }
    }
}

#[tokio::test]
async fn auth() {
    for h in harnesses().await {
        let rec = record();
        let id = id_of(&rec);
        let one = format!("/v1/face-recognition/{id}");
        let body = || Some(rec.to_string().into_bytes());
        // Missing token, wrong token, wrong scheme: 401 on every endpoint, nothing written.
        for token in [None, Some("wrong-token")] {
            for (method, uri, b) in [
                (Method::POST, "/v1/face-recognition", body()),
                (Method::GET, "/v1/face-recognition", None),
                (Method::GET, one.as_str(), None),
                (Method::PUT, one.as_str(), body()),
            ] {
                let r = h.call(method.clone(), uri, token, b).await;
                assert_eq!(
                    r.status,
                    StatusCode::UNAUTHORIZED,
                    "{}: {method} {uri} {token:?}",
                    h.name
                );
                assert_eq!(r.body["code"], "UNAUTHORIZED");
                assert!(r.headers["www-authenticate"]
                    .to_str()
                    .unwrap()
                    .starts_with("Bearer"));
            }
        }
        let basic = Request::get("/v1/face-recognition")
            .header("authorization", format!("Basic {}", h.token_a))
            .body(Body::empty())
            .unwrap();
        assert_eq!(h.send(basic).await.status, StatusCode::UNAUTHORIZED);
        let lower = Request::get("/v1/face-recognition")
            .header("authorization", format!("bearer {}", h.token_a))
            .body(Body::empty())
            .unwrap();
        assert_eq!(
            h.send(lower).await.status,
            StatusCode::OK,
            "the scheme is case-insensitive"
        );
        assert_eq!(
            h.get(&h.token_a, "/v1/face-recognition").await.body["total_elements"],
            0,
            "{}",
            h.name
        );

        // Another tenant's scan is invisible and unchangeable: 404, as if it did not exist.
        assert_eq!(h.post(&h.token_a, &rec).await.status, StatusCode::CREATED);
        assert_eq!(
            h.get(&h.token_b, &one).await.status,
            StatusCode::NOT_FOUND,
            "{}",
            h.name
        );
        assert_eq!(
            h.put(&h.token_b, &id, &json!({"reference": "stolen"}))
                .await
                .status,
            StatusCode::NOT_FOUND
        );
        assert_eq!(h.get(&h.token_a, &one).await.body["reference"], "0002");

        // The production token store: a digest in api_tokens.
        let token_c = format!("tok-c-{}", uuid::Uuid::new_v4());
        let tenant_c = format!("initech-{}", uuid::Uuid::new_v4());
        h.db.add_token(
            &tenant_c,
            &likeness_server::auth::token_sha256(&token_c),
            "2026-01-01T00:00:00Z",
        )
        .await
        .unwrap();
        let r = h.get(&token_c, "/v1/face-recognition").await;
        assert_eq!(
            (r.status, r.body["total_elements"].clone()),
            (StatusCode::OK, json!(0)),
            "{}",
            h.name
        );
        assert_eq!(h.get(&token_c, &one).await.status, StatusCode::NOT_FOUND);
    }
}

#[tokio::test]
async fn validation() {
    for h in harnesses().await {
        let post_raw = |bytes: Vec<u8>| {
            h.call(
                Method::POST,
                "/v1/face-recognition",
                Some(&h.token_a),
                Some(bytes),
            )
        };
        let r = post_raw(b"{\"channel\": \"WEB\",".to_vec()).await;
        assert_eq!(
            (r.status, r.body["code"].as_str()),
            (StatusCode::BAD_REQUEST, Some("INVALID_JSON")),
            "{}",
            h.name
        );
        assert!(
            r.body["message"].as_str().unwrap().contains("line"),
            "serde's position is in the message"
        );
        let r = post_raw(Vec::new()).await;
        assert_eq!(r.body["code"], "INVALID_JSON");
        let r = post_raw(b"[1,2,3]".to_vec()).await;
        assert_eq!(r.body["code"], "INVALID_BODY");

        // Every required field, missing.
        for field in [
            "channel",
            "compare_result",
            "compare_similarity",
            "created",
            "face1",
            "face2",
            "id",
        ] {
            let mut rec = record();
            rec.as_object_mut().unwrap().remove(field);
            let r = h.post(&h.token_a, &rec).await;
            assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}: {field}", h.name);
            assert_eq!(r.body["code"], "MISSING_FIELD", "{field}");
            assert!(
                r.body["message"].as_str().unwrap().contains(field),
                "{field}: {}",
                r.body["message"]
            );
        }
        let mut rec = record();
        rec["face2"].as_object_mut().unwrap().remove("yaw");
        let r = h.post(&h.token_a, &rec).await;
        assert_eq!(
            (r.body["code"].as_str(), r.body["message"].as_str()),
            (Some("MISSING_FIELD"), Some("`face2.yaw` is required"))
        );

        // The document's portrait measures are required when there is a document.
        for key in [
            "portrait_eye_dist",
            "portrait_glare",
            "portrait_sharpness",
            "portrait_print",
        ] {
            let mut rec = record();
            rec["document"] = document_summary();
            rec["document"].as_object_mut().unwrap().remove(key);
            let r = h.post(&h.token_a, &rec).await;
            assert_eq!(
                (r.body["code"].as_str(), r.body["message"].as_str()),
                (
                    Some("MISSING_FIELD"),
                    Some(format!("`document.{key}` is required").as_str())
                ),
                "{}",
                h.name
            );
        }

        // Wrong types and values.
        let cases: Vec<(&str, Value, &str)> = vec![
            ("channel", json!(5), "channel"),
            ("channel", json!(""), "channel"),
            ("compare_similarity", json!("0.8"), "compare_similarity"),
            ("compare_similarity", json!(1.5), "compare_similarity"),
            ("compare_result", json!("Probably"), "compare_result"),
            ("created", json!("yesterday"), "created"),
            ("created", json!(1714565526), "created"),
            ("id", json!("1234"), "id"),
            ("id", json!(42), "id"),
            ("reference", json!(2), "reference"),
            ("face1", json!("a face"), "face1"),
            ("face1", json!(null), "face1"),
            ("compare_preset", json!("lenient"), "compare_preset"),
            ("compare_preset", json!(2), "compare_preset"),
            ("compare_nominal_far", json!(0), "compare_nominal_far"),
            ("compare_nominal_far", json!(1), "compare_nominal_far"),
            ("compare_nominal_far", json!("1e-4"), "compare_nominal_far"),
            ("compare_threshold", json!(1.2), "compare_threshold"),
            ("compare_threshold", json!("0.4"), "compare_threshold"),
            ("compare_threshold", json!(null), "compare_threshold"),
            ("compare_mode", json!("auto"), "compare_mode"),
            ("compare_mode", json!("Document"), "compare_mode"),
            ("compare_mode", json!(null), "compare_mode"),
            ("compare_mode", json!(1), "compare_mode"),
            (
                "compare_measured_far",
                json!(-0.001),
                "compare_measured_far",
            ),
            (
                "compare_measured_far",
                json!("0.0001"),
                "compare_measured_far",
            ),
            ("compare_measured_frr", json!(1.5), "compare_measured_frr"),
            ("compare_measured_frr", json!(true), "compare_measured_frr"),
            ("document", json!("ID-1"), "document"),
            ("document", json!([1, 2]), "document"),
            (
                "document",
                document_with("format", json!("ID-2")),
                "document.format",
            ),
            (
                "document",
                document_with("format", json!(1)),
                "document.format",
            ),
            (
                "document",
                document_with("corners", json!([[0, 0], [1, 0], [1, 1]])),
                "document.corners",
            ),
            (
                "document",
                document_with("corners", json!({"tl": [0, 0]})),
                "document.corners",
            ),
            (
                "document",
                document_with("corners", json!([[0, 0], [1, "0"], [1, 1], [0, 1]])),
                "document.corners[1]",
            ),
            (
                "document",
                document_with("corners", json!([[0, 0], [1, 0], [1, 1, 1], [0, 1]])),
                "document.corners[2]",
            ),
            (
                "document",
                document_with("corners", json!([[0, 0], [1, 0], [1, 1], {"x": 0, "y": 1}])),
                "document.corners[3]",
            ),
            (
                "document",
                document_with("portrait_eye_dist", json!(-1)),
                "document.portrait_eye_dist",
            ),
            (
                "document",
                document_with("portrait_eye_dist", json!("31")),
                "document.portrait_eye_dist",
            ),
            (
                "document",
                document_with("portrait_glare", json!(1.5)),
                "document.portrait_glare",
            ),
            (
                "document",
                document_with("portrait_glare", json!(null)),
                "document.portrait_glare",
            ),
            (
                "document",
                document_with("portrait_sharpness", json!(-0.5)),
                "document.portrait_sharpness",
            ),
            (
                "document",
                document_with("portrait_sharpness", json!("sharp")),
                "document.portrait_sharpness",
            ),
            (
                "document",
                document_with("portrait_print", json!("color")),
                "document.portrait_print",
            ),
            (
                "document",
                document_with("portrait_print", json!(null)),
                "document.portrait_print",
            ),
        ];
        for (field, value, named) in cases {
            let mut rec = record();
            rec[field] = value.clone();
            let r = h.post(&h.token_a, &rec).await;
            assert_eq!(
                r.status,
                StatusCode::BAD_REQUEST,
                "{}: {field}={value}",
                h.name
            );
            assert_eq!(r.body["code"], "INVALID_FIELD", "{field}={value}");
            assert!(
                r.body["message"]
                    .as_str()
                    .unwrap()
                    .contains(&format!("`{named}`")),
                "{field}={value}: {}",
                r.body["message"]
            );
        }
        type Mutation = Box<dyn Fn(&mut Value)>;
        let face_cases: Vec<(Mutation, &str)> = vec![
            (Box::new(|f: &mut Value| f["x1"] = json!("158")), "face1.x1"),
            (
                Box::new(|f: &mut Value| {
                    f["landmark_68"].as_array_mut().unwrap().pop();
                }),
                "face1.landmark_68",
            ),
            (
                Box::new(|f: &mut Value| f["landmark_68"][3]["y"] = json!(null)),
                "face1.landmark_68[3].y",
            ),
            (
                Box::new(|f: &mut Value| f["quality_checks"] = json!([1])),
                "face1.quality_checks",
            ),
            (
                Box::new(|f: &mut Value| f["embedding"] = json!("base64")),
                "face1.embedding",
            ),
            (
                Box::new(|f: &mut Value| f["liveness"] = json!(true)),
                "face1.liveness",
            ),
        ];
        for (mutate, named) in face_cases {
            let mut rec = record();
            mutate(&mut rec["face1"]);
            let r = h.post(&h.token_a, &rec).await;
            assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}: {named}", h.name);
            assert!(
                r.body["message"]
                    .as_str()
                    .unwrap()
                    .contains(&format!("`{named}`")),
                "{named}: {}",
                r.body["message"]
            );
        }

        // Oversized: 413 with a code, whether or not the length is announced up front.
        let mut big = record();
        big["face1"]["embedding"] = json!(vec![0.123456789f64; 4000]);
        big["face2"]["embedding"] = json!(vec![0.123456789f64; 4000]);
        let bytes = big.to_string().into_bytes();
        assert!(bytes.len() > MAX_BODY);
        let r = post_raw(bytes.clone()).await;
        assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", h.name);
        assert_eq!(r.body["code"], "BODY_TOO_LARGE");
        let chunks: Vec<Result<Vec<u8>, std::io::Error>> =
            bytes.chunks(8192).map(|c| Ok(c.to_vec())).collect();
        let stream = Body::from_stream(futures_util::stream::iter(chunks));
        let req = Request::post("/v1/face-recognition")
            .header("authorization", format!("Bearer {}", h.token_a))
            .body(stream)
            .unwrap();
        let r = h.send(req).await;
        assert_eq!(
            r.status,
            StatusCode::PAYLOAD_TOO_LARGE,
            "{}: streamed",
            h.name
        );
        assert_eq!(r.body["code"], "BODY_TOO_LARGE");

        // None of it was stored.
        assert_eq!(
            h.get(&h.token_a, "/v1/face-recognition").await.body["total_elements"],
            0,
            "{}",
            h.name
        );
    }
}
