//! Embedded migrations, run through sqlx's migrator (which records checksums and, on
//! PostgreSQL, takes an advisory lock so two replicas starting at once do not race).

use omnify_core::StoreError;
use sqlx::AnyPool;
use sqlx::SqlSafeStr;
use sqlx::migrate::{Migration, MigrationType, Migrator};

const MIGRATIONS: &[(i64, &str, &str)] = &[
    (1, "init", include_str!("../migrations/0001_init.sql")),
    (
        2,
        "connections",
        include_str!("../migrations/0002_connections.sql"),
    ),
    (
        3,
        "escalations",
        include_str!("../migrations/0003_escalations.sql"),
    ),
    (4, "actions", include_str!("../migrations/0004_actions.sql")),
    (
        5,
        "expert_sessions",
        include_str!("../migrations/0005_expert_sessions.sql"),
    ),
    (6, "slack", include_str!("../migrations/0006_slack.sql")),
    (7, "charts", include_str!("../migrations/0007_charts.sql")),
    (
        8,
        "articles",
        include_str!("../migrations/0008_articles.sql"),
    ),
];

pub(crate) async fn run(pool: &AnyPool) -> Result<(), StoreError> {
    let migrations = MIGRATIONS
        .iter()
        .map(|(version, name, sql)| {
            Migration::new(
                *version,
                (*name).into(),
                MigrationType::Simple,
                sql.into_sql_str(),
                false,
            )
        })
        .collect();
    Migrator::with_migrations(migrations)
        .run(pool)
        .await
        .map_err(|e| StoreError::Database(format!("migration failed: {e}")))
}
