//! Spend and revenue from a CSV export: one row per channel per day, columns `date`,
//! `channel` (a platform or campaign name), `spend`, `revenue`.

use super::SpendDay;
use crate::table::{Table, TableError};

pub fn from_csv(table: &Table) -> Result<Vec<SpendDay>, TableError> {
    for column in ["date", "channel", "spend", "revenue"] {
        table.require(column)?;
    }
    table
        .rows()
        .map(|row| {
            let spend = row.number("spend")?;
            if spend < 0.0 {
                return Err(row.malformed("spend", "spend cannot be negative"));
            }
            let revenue = row.number("revenue")?;
            if revenue < 0.0 {
                return Err(row.malformed("revenue", "revenue cannot be negative"));
            }
            Ok(SpendDay {
                date: row.date("date")?,
                channel: row.text("channel")?.to_owned(),
                spend,
                revenue,
            })
        })
        .collect()
}
