//! `minewatch serve`: run the web app until SIGINT or SIGTERM.

use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context as _;
use minewatch_store::Store;
use minewatch_web::AppState;

use super::Global;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The address to listen on. Keep 127.0.0.1 unless a TLS proxy is in front.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub addr: SocketAddr,
}

pub async fn run(global: &Global, args: Args) -> anyhow::Result<ExitCode> {
    let store = global.open_store().await?;
    serve(store, args.addr, None).await
}

/// Serves `store` on `addr`; `banner` is printed after the URL (the demo's login note).
pub async fn serve(
    store: Store,
    addr: SocketAddr,
    banner: Option<&str>,
) -> anyhow::Result<ExitCode> {
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("listening on {addr} (is another program using the port?)"))?;
    let local = listener
        .local_addr()
        .context("reading the listening address")?;
    println!("minewatch is serving http://{local}/");
    if let Some(banner) = banner {
        println!("{banner}");
    }
    let state = AppState {
        store: store.clone(),
        pack: Arc::new(minewatch_web::builtin_pack()),
    };
    minewatch_web::serve(listener, state, shutdown_signal())
        .await
        .context("serving")?;
    store.close().await;
    println!("minewatch stopped");
    Ok(ExitCode::SUCCESS)
}

/// Resolves at SIGINT (Ctrl-C) or SIGTERM.
async fn shutdown_signal() {
    let interrupt = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::error!(error = %e, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(e) => {
                tracing::error!(error = %e, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    tokio::select! {
        () = interrupt => {},
        () = terminate => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
}
