//! `minewatch serve`: run the web app until SIGINT or SIGTERM.

use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context as _;
use minewatch_domain::RedactionOptions;
use minewatch_store::Store;
use minewatch_store::mail::{MailConfig, SmtpMailer};
use minewatch_web::{AppState, SecurityConfig, WindowLimit};

use super::Global;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The address to listen on. Keep 127.0.0.1 unless a TLS proxy is in front.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub addr: SocketAddr,

    #[command(flatten)]
    pub security: SecurityArgs,
}

/// Security settings of the web app.
#[derive(Debug, Clone, clap::Args)]
pub struct SecurityArgs {
    /// Anonymous reports (and receipt look-ups) accepted per connection per hour.
    #[arg(long, default_value_t = 30, env = "MINEWATCH_INTAKE_LIMIT")]
    pub intake_limit: u32,
    /// Wrong passwords from one address (at any account) before each further try
    /// there must wait, a delay that doubles with each wrong password (a right
    /// password never counts).
    #[arg(long, default_value_t = 20)]
    pub login_limit: u32,
    /// Pages an anonymous visitor may read per address per minute (behind a proxy,
    /// set --trust-proxy so each visitor is counted apart).
    #[arg(long, default_value_t = 300)]
    pub read_limit: u32,
    /// Hours a login lasts.
    #[arg(long, default_value_t = 12)]
    pub session_hours: u64,
    /// Decimal places of latitude/longitude the public sees of exact places (1 ≈ 11 km).
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u8).range(0..=3))]
    pub location_decimals: u8,
    /// Trust X-Forwarded-For/-Proto from a reverse proxy (only when one is in front).
    #[arg(long)]
    pub trust_proxy: bool,
    /// Mark cookies Secure (set when users reach the server over HTTPS).
    #[arg(long)]
    pub secure_cookies: bool,
}

impl SecurityArgs {
    fn config(&self) -> SecurityConfig {
        SecurityConfig {
            session_ttl: Duration::from_secs(self.session_hours.clamp(1, 24 * 30) * 3600),
            login: minewatch_web::LoginThrottlePolicy {
                address_free: self.login_limit.max(1),
                ..minewatch_web::LoginThrottlePolicy::default()
            },
            intake_limit: WindowLimit {
                max: self.intake_limit.max(1),
                window: Duration::from_secs(3600),
            },
            read_limit: WindowLimit {
                max: self.read_limit.max(1),
                window: Duration::from_secs(60),
            },
            trust_proxy: self.trust_proxy,
            secure_cookies: self.secure_cookies,
            redaction: RedactionOptions {
                location_decimals: self.location_decimals,
            },
        }
    }
}

pub async fn run(global: &Global, args: Args) -> anyhow::Result<ExitCode> {
    let store = global.open_store().await?;
    let banner = store
        .accounts()
        .await?
        .is_empty()
        .then_some("no accounts yet: create one with `minewatch user add NAME --role admin`");
    let mail = global.mail_config()?;
    let dir = minewatch_store::DataDir::open(&global.data)?;
    let blobs = dir.blob_store()?;
    serve(
        store,
        args.addr,
        &args.security,
        banner,
        mail,
        blobs,
        dir.uploads(),
    )
    .await
}

/// Serves `store` on `addr`; `banner` is printed after the URL (the demo's logins).
pub async fn serve(
    store: Store,
    addr: SocketAddr,
    security: &SecurityArgs,
    banner: Option<&str>,
    mail: Option<MailConfig>,
    blobs: minewatch_store::blobs::BlobStore,
    uploads: minewatch_store::uploads::Uploads,
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
    let mut state = AppState::with_security(
        store.clone(),
        minewatch_web::builtin_pack(),
        security.config(),
    );
    println!("media files are kept in the {}", blobs.describe());
    state = state.with_blobs(blobs).with_uploads(uploads);
    match mail {
        Some(config) => {
            let mailer = SmtpMailer::new(&config).map_err(anyhow::Error::msg)?;
            println!("email requests go through {}:{}", config.host, config.port);
            state = state.with_mailer(mailer);
        }
        None => println!(
            "email is not set up ([mail] in minewatch.toml): requests are printed and delivered by hand"
        ),
    }
    // The daily job: at start, then every few hours (it is idempotent, so a restart
    // or a second run the same day changes nothing).
    let jobs = tokio::spawn(daily_jobs(state.clone()));
    minewatch_web::serve(listener, state, shutdown_signal())
        .await
        .context("serving")?;
    jobs.abort();
    store.close().await;
    println!("minewatch stopped");
    Ok(ExitCode::SUCCESS)
}

/// Runs the daily request job now and every six hours, logging what it did.
async fn daily_jobs(state: AppState) {
    let mut every = tokio::time::interval(Duration::from_secs(6 * 3600));
    loop {
        every.tick().await;
        let today = state.pack.today(jiff::Timestamp::now());
        match state
            .store
            .run_daily(&state.pack, state.mailer.as_deref(), today)
            .await
        {
            Ok(r) => tracing::info!(
                %today,
                overdue = r.overdue.len(),
                drafted = r.drafted.len(),
                retried = r.retried.len(),
                reminded = r.reminded.len(),
                errors = r.errors.len() + r.reminder_errors.len(),
                "daily request job"
            ),
            Err(e) => tracing::error!(error = %e, "daily request job failed"),
        }
    }
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
