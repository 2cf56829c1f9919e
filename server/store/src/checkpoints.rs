//! WAL checkpoints beside the SQLite writer rather than inside its commits.
//!
//! SQLite's automatic checkpoint runs in the commit that pushes the WAL past 1,000 pages:
//! that commit copies the pages back into the database file and syncs it while every
//! write queued on our one writer connection waits. Measured in the chat benchmark
//! (`docs/benchmarks.md`), those stalls set the p99 and cost throughput at high
//! concurrency; an interval of 8,000 pages made them rarer but each eight times longer
//! (p99 at concurrency 16 doubled). Here a passive checkpoint runs
//! every [`EVERY`] on a reader connection instead: it copies what no reader still needs
//! without taking the write lock, so writers keep committing meanwhile, and the next
//! write after a complete checkpoint starts the WAL file over.

use sqlx::AnyPool;
use std::time::Duration;

/// Often enough that the WAL stays a few megabytes under a busy server.
pub(crate) const EVERY: Duration = Duration::from_millis(250);

/// Checkpoint `pool`'s database every `every` until the pool is closed.
pub(crate) fn spawn(pool: AnyPool, every: Duration) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            if pool.is_closed() {
                break;
            }
            if let Err(e) = sqlx::query("PRAGMA wal_checkpoint(PASSIVE)")
                .execute(&pool)
                .await
            {
                if pool.is_closed() {
                    break;
                }
                // The WAL only grows until the next success; nothing is lost.
                tracing::warn!(error = %e, "WAL checkpoint failed; trying again shortly");
            }
        }
    });
}
