//! Creatives from a CSV export: one row per creative per day.
//!
//! Columns (case-insensitive): `date` (YYYY-MM-DD), `creative` (name or id),
//! `impressions`, `clicks`; optional `conversions`, `spend`, `frequency`, `platform`.
//! `frequency` is the creative's **lifetime** frequency as of that day: its impressions
//! from its first day through that one over the people reached in that time (Meta's
//! or TikTok's `frequency` for that range), not the day's own frequency. Creatives of
//! one `platform` are one account: the frequency at which its creatives fatigue is
//! learned across them. Rows of one creative may come in any order.

use super::{CreativeDay, CreativeSeries};
use crate::table::{Table, TableError};
use std::collections::BTreeMap;

pub fn from_csv(table: &Table) -> Result<Vec<CreativeSeries>, TableError> {
    for column in ["date", "creative", "impressions", "clicks"] {
        table.require(column)?;
    }
    let mut by_creative: BTreeMap<(String, Option<String>), Vec<CreativeDay>> = BTreeMap::new();
    for row in table.rows() {
        let impressions = row.number("impressions")?;
        let clicks = row.number("clicks")?;
        if impressions < 0.0 || clicks < 0.0 {
            return Err(row.malformed("impressions", "impressions and clicks cannot be negative"));
        }
        if clicks > impressions {
            return Err(row.malformed(
                "clicks",
                &format!("{clicks} clicks is more than the {impressions} impressions"),
            ));
        }
        let day = CreativeDay {
            date: row.date("date")?,
            impressions,
            clicks,
            conversions: row.optional_number("conversions")?,
            spend: row.optional_number("spend")?,
            frequency: row.optional_number("frequency")?,
        };
        let key = (
            row.text("creative")?.to_owned(),
            row.get("platform").map(str::to_owned),
        );
        by_creative.entry(key).or_default().push(day);
    }
    Ok(by_creative
        .into_iter()
        .map(|((creative, platform), days)| CreativeSeries {
            creative,
            platform,
            days,
        })
        .collect())
}
