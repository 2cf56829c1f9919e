//! `omnify ingest PATH…`: documents into a tenant's knowledge base from the terminal,
//! with a progress bar (one line per file when stderr is not a terminal).

use crate::config::Settings;
use crate::startup::connect_store;
use anyhow::Context;
use omnify_knowledge::{DocumentOutcome, IngestProgress, IngestReport};
use std::io::{IsTerminal, Write};
use std::path::PathBuf;

const BAR_WIDTH: usize = 30;

pub async fn run(
    settings: Settings,
    paths: Vec<PathBuf>,
    tenant: Option<String>,
) -> anyhow::Result<()> {
    let store = connect_store(&settings).await?;
    let tenant = match tenant {
        Some(t) => {
            anyhow::ensure!(
                store.tenant(&t).await?.is_some(),
                "no tenant {t} in {}",
                omnify_store::redact_url(&settings.database_url())
            );
            t
        }
        None => store.first_tenant_id().await?.context(
            "no tenant yet: start the server once (`omnify serve`) to create the demo tenant, \
             or pass --tenant",
        )?,
    };
    store.close().await;
    let knowledge = crate::knowledge::build(&settings)
        .await?
        .context("the knowledge base is turned off (`knowledge.enabled = false`)")?;
    eprintln!("Embedding with {}", knowledge.embedder().model_id());

    let mut total = IngestReport::default();
    for path in &paths {
        let bar = Bar::new(path.display().to_string());
        let report = knowledge
            .ingest_path(&tenant, path, &|p| bar.show(&p))
            .await
            .with_context(|| format!("cannot ingest {}", path.display()))?;
        bar.finish();
        for skipped in &report.skipped {
            eprintln!("  skipped {}: {}", skipped.path, skipped.reason);
        }
        total.added += report.added;
        total.updated += report.updated;
        total.unchanged += report.unchanged;
        total.removed += report.removed;
        total.chunks += report.chunks;
        total.skipped.extend(report.skipped);
    }
    println!(
        "Tenant {tenant}: {} added, {} updated, {} unchanged, {} removed, {} skipped; {} chunks embedded.",
        total.added,
        total.updated,
        total.unchanged,
        total.removed,
        total.skipped.len(),
        total.chunks
    );
    Ok(())
}

/// A one-line progress bar on stderr.
struct Bar {
    label: String,
    terminal: bool,
}

impl Bar {
    fn new(label: String) -> Self {
        Self {
            label,
            terminal: std::io::stderr().is_terminal(),
        }
    }

    fn show(&self, p: &IngestProgress) {
        let outcome = match p.outcome {
            DocumentOutcome::Added => "added",
            DocumentOutcome::Updated => "updated",
            DocumentOutcome::Unchanged => "unchanged",
            DocumentOutcome::Skipped => "skipped",
        };
        let mut err = std::io::stderr().lock();
        if self.terminal {
            let filled = (p.done * BAR_WIDTH)
                .checked_div(p.total)
                .unwrap_or(BAR_WIDTH);
            let _ = write!(
                err,
                "\r\x1b[2K{} [{}{}] {}/{} {} ({outcome})",
                self.label,
                "=".repeat(filled),
                " ".repeat(BAR_WIDTH - filled.min(BAR_WIDTH)),
                p.done,
                p.total,
                p.document_id
            );
        } else {
            let _ = writeln!(
                err,
                "{} {}/{} {} ({outcome})",
                self.label, p.done, p.total, p.document_id
            );
        }
        let _ = err.flush();
    }

    fn finish(&self) {
        if self.terminal {
            eprintln!();
        }
    }
}
