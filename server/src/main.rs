//! `likeness-server`: serves the reference backend (configuration: see `config`).
//!
//! `likeness-server add-token TENANT < token-file` stores the sha256 of the token read from
//! standard input in the database's `api_tokens` table (the production token store) and exits.
//! The token is read from stdin, not argv, so it does not show in `ps` or shell history.

use likeness_server::{auth, build, config::Config, db::Db};

/// Resolves on ctrl-c or SIGTERM (what `docker stop`, systemd and CI send).
async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            eprintln!("likeness-server: cannot listen for ctrl-c: {e}");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(e) => {
                eprintln!("likeness-server: cannot listen for SIGTERM: {e}");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
    eprintln!("likeness-server: shutting down (finishing requests in flight)");
}

async fn run() -> Result<(), String> {
    let config = Config::from_env()?;
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("add-token") {
        let (Some(tenant), None) = (args.get(1), args.get(2)) else {
            return Err("usage: likeness-server add-token TENANT < token-file".to_string());
        };
        let mut token = String::new();
        std::io::stdin()
            .read_line(&mut token)
            .map_err(|e| format!("cannot read the token from stdin: {e}"))?;
        let token = token.trim();
        if token.is_empty() {
            return Err("no token on stdin".to_string());
        }
        let db = Db::connect(&config.database_url).await?;
        let now = chrono::Utc::now().to_rfc3339();
        db.add_token(tenant, &auth::token_sha256(token), &now)
            .await
            .map_err(|e| format!("cannot add the token: {e}"))?;
        db.pool.close().await;
        eprintln!("likeness-server: token added for tenant {tenant}");
        return Ok(());
    }
    if !args.is_empty() {
        return Err(format!(
            "unknown arguments {args:?}; usage: likeness-server [add-token TENANT < token-file]"
        ));
    }
    let (app, db) = build(&config).await?;
    if config.tokens.is_empty() {
        eprintln!("likeness-server: LIKENESS_TOKENS is empty: only tokens in the api_tokens table are accepted");
    }
    let listener = tokio::net::TcpListener::bind(config.addr)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", config.addr))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    eprintln!(
        "likeness-server: listening on http://{addr} ({:?})",
        db.engine
    );
    // Graceful: stop accepting, let every request in flight finish (each write has committed
    // before its response is sent), then close the pool.
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
        .with_graceful_shutdown(shutdown_signal())
        .await
        .map_err(|e| format!("server error: {e}"))?;
    db.pool.close().await;
    eprintln!("likeness-server: stopped");
    Ok(())
}

#[tokio::main]
async fn main() {
    if let Err(e) = run().await {
        eprintln!("likeness-server: {e}");
        std::process::exit(1);
    }
}
