use clap::Parser;
use omnify_server::cli::{Cli, Command, DiscordCommand, SecretsCommand};
use omnify_server::config::Settings;
use omnify_server::startup::{Application, connect_store};
use omnify_server::{ask, install_crypto_provider, telemetry};
use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    install_crypto_provider();
    let cli = Cli::parse();
    let mut settings = match Settings::load(cli.config.as_deref()) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("omnify: configuration error: {e}");
            return ExitCode::from(2);
        }
    };
    if let Some(dir) = cli.data_dir {
        settings.data_dir = dir;
    }
    if let Some(format) = cli.log_format {
        settings.log.format = format.into();
    }
    // The terminal's answer is the point of `ask`; keep the logs to what went wrong.
    let filter = match (&cli.command, settings.log.filter.as_str()) {
        (Command::Ask { .. }, "info") => "warn",
        (_, configured) => configured,
    };
    telemetry::init(settings.log.format, filter);
    match run(cli.command, settings).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("omnify: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(
    command: Command,
    mut settings: omnify_server::config::Settings,
) -> anyhow::Result<()> {
    match command {
        Command::Serve { port, host } => {
            if let Some(port) = port {
                settings.server.port = port;
            }
            if let Some(host) = host {
                settings.server.host = host;
            }
            let app = Application::build(settings).await?;
            if let Some((_, key)) = &app.runtime.demo_key {
                println!(
                    "Created the demo tenant. Its API key (shown once, keep it):\n\n    {}\n",
                    key.expose()
                );
            }
            println!("Omnify is listening on http://{}", app.addr);
            println!("Model: {}", app.state().agent.model().model_name());
            app.run_until(shutdown_signal()).await
        }
        Command::Migrate => {
            let store = connect_store(&settings).await?;
            println!(
                "Migrations applied to {}",
                omnify_store::redact_url(&settings.database_url())
            );
            store.close().await;
            Ok(())
        }
        Command::Ask {
            question,
            conversation,
            json,
        } => ask::run(settings, question, conversation, json).await,
        Command::Sandbox { port, token } => sandbox(settings, port, token).await,
        Command::Secrets(SecretsCommand::NewKey) => {
            let key = omnify_store::secret_box::SecretBox::generate_key()?;
            println!("{}", key.expose());
            Ok(())
        }
        Command::Analyze(args) => omnify_server::analyze::run(args),
        Command::Ingest { paths, tenant } => {
            omnify_server::ingest::run(settings, paths, tenant).await
        }
        Command::Discord(DiscordCommand::RegisterCommands) => {
            let n = omnify_server::discord::register_commands(&settings).await?;
            println!("Registered /omnify with Discord ({n} global command(s) now).");
            Ok(())
        }
        Command::Secrets(SecretsCommand::Rotate) => {
            let runtime = omnify_server::startup::build_runtime(settings).await?;
            let changed = runtime.state.connections.rotate().await?;
            println!("Re-sealed {changed} connection(s) under the current key.");
            Ok(())
        }
    }
}

/// The emulators on their own, on a fixed or free port.
async fn sandbox(settings: Settings, port: u16, token: String) -> anyhow::Result<()> {
    let end = settings.today() - chrono::Duration::days(1);
    let brand = std::sync::Arc::new(omnify_tools::Brand::generate(
        omnify_tools::sandbox::brand::BrandConfig::new(settings.demo.seed, end),
    ));
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    let addr = listener.local_addr()?;
    let emulators = omnify_tools::sandbox::Emulators::new(brand.clone(), token.clone());
    println!(
        "Platform emulators for {} ({} to {}) on http://{addr}",
        brand.name, brand.start_date, brand.end_date
    );
    println!("Access token: {token}");
    println!(
        "Meta Ads: http://{addr}{} (account {})",
        omnify_tools::sandbox::META_PREFIX,
        brand.meta.account_id
    );
    axum::serve(listener, emulators.router())
        .with_graceful_shutdown(shutdown_signal())
        .await?;
    Ok(())
}

async fn shutdown_signal() {
    let _ = tokio::signal::ctrl_c().await;
    tracing::info!("shutting down");
}
