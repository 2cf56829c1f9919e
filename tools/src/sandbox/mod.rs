//! Local stand-ins for the marketing platforms' APIs, serving a seeded synthetic brand.
//!
//! `omnify serve` with no platform keys points every connector at these emulators,
//! and tests use them to exercise connectors over real sockets: the same client code
//! path as production, with faults injectable at run time.
//!
//! Each platform mounts under its own prefix (`/meta`, later `/google-ads`, `/tiktok`…)
//! so one listener serves them all.

pub mod brand;
pub mod meta;
mod prng;

use axum::Router;
use brand::Brand;
use meta::MetaEmulator;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// Path prefix of the Meta Graph API emulator.
pub const META_PREFIX: &str = "/meta";

/// Handles to every platform emulator serving one brand.
#[derive(Clone)]
pub struct Emulators {
    pub meta: MetaEmulator,
}

impl Emulators {
    /// Emulators that accept `access_token` as the only valid token on every platform.
    pub fn new(brand: Arc<Brand>, access_token: String) -> Self {
        Self {
            meta: MetaEmulator::new(brand, access_token),
        }
    }

    /// One router with each platform under its prefix, for [`spawn`] or for mounting
    /// inside another server.
    pub fn router(&self) -> Router {
        Router::new().nest(META_PREFIX, self.meta.router())
    }
}

/// A sandbox server running on 127.0.0.1. Dropping it stops the server.
pub struct RunningSandbox {
    addr: SocketAddr,
    emulators: Emulators,
    stop: Option<oneshot::Sender<()>>,
    server: Option<JoinHandle<std::io::Result<()>>>,
}

/// Binds 127.0.0.1 on a free port and serves every emulator for `brand`.
pub async fn spawn(brand: Arc<Brand>, access_token: String) -> std::io::Result<RunningSandbox> {
    let emulators = Emulators::new(brand, access_token);
    let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
    let addr = listener.local_addr()?;
    let (stop, stopped) = oneshot::channel::<()>();
    let app = emulators.router();
    let server = tokio::spawn(async move {
        axum::serve(listener, app)
            .with_graceful_shutdown(async move {
                // A dropped sender also means stop.
                let _ = stopped.await;
            })
            .await
    });
    tracing::info!(%addr, "sandbox platform emulators listening");
    Ok(RunningSandbox {
        addr,
        emulators,
        stop: Some(stop),
        server: Some(server),
    })
}

impl RunningSandbox {
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:<port>`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// What to put in `MetaConfig::base_url` to talk to the Meta emulator.
    pub fn meta_base_url(&self) -> String {
        format!("{}{META_PREFIX}", self.base_url())
    }

    /// Fault injection and request counts for the Meta emulator.
    pub fn meta(&self) -> &MetaEmulator {
        &self.emulators.meta
    }

    pub fn emulators(&self) -> &Emulators {
        &self.emulators
    }

    /// Stops accepting connections and waits (up to 5 s) for in-flight requests.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(mut server) = self.server.take()
            && tokio::time::timeout(Duration::from_secs(5), &mut server)
                .await
                .is_err()
        {
            server.abort();
        }
    }
}

impl Drop for RunningSandbox {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        // Without waiting for the graceful path: a dropped sandbox must not outlive
        // the test that dropped it.
        if let Some(server) = self.server.take() {
            server.abort();
        }
    }
}
