//! The arithmetic of a pipeline summary, kept apart from fetching so it can be checked
//! on known numbers.

use crate::model::{Deal, DealStatus, Pipeline};
use chrono::NaiveDate;
use omnify_core::DateRange;
use rust_decimal::Decimal;
use serde_json::{Value, json};

/// Outcomes in one period.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PeriodStats {
    pub won_count: u64,
    pub won_amount: Decimal,
    /// Lost and abandoned deals.
    pub lost_count: u64,
    pub lost_amount: Decimal,
    pub created_count: u64,
    pub created_amount: Decimal,
}

impl PeriodStats {
    /// Won deals over deals decided (won + lost), by count.
    pub fn win_rate(&self) -> Option<f64> {
        let decided = self.won_count + self.lost_count;
        (decided > 0).then(|| self.won_count as f64 / decided as f64)
    }

    /// Average amount of a won deal.
    pub fn average_deal_size(&self) -> Option<Decimal> {
        (self.won_count > 0).then(|| (self.won_amount / Decimal::from(self.won_count)).round_dp(2))
    }

    pub fn to_json(&self) -> Value {
        json!({
            "won_count": self.won_count,
            "won_amount": self.won_amount.to_string(),
            "lost_count": self.lost_count,
            "lost_amount": self.lost_amount.to_string(),
            "created_count": self.created_count,
            "created_amount": self.created_amount.to_string(),
            "win_rate": self.win_rate().map(|r| (r * 10_000.0).round() / 10_000.0),
            "average_deal_size": self.average_deal_size().map(|a| a.to_string()),
        })
    }
}

fn within(date: NaiveDate, range: DateRange) -> bool {
    date >= range.since && date <= range.until
}

pub fn period_stats(deals: &[Deal], range: DateRange) -> PeriodStats {
    let mut stats = PeriodStats::default();
    for deal in deals {
        let amount = deal.amount.unwrap_or_default();
        if within(deal.created_at.date_naive(), range) {
            stats.created_count += 1;
            stats.created_amount += amount;
        }
        let closed_in_range = deal
            .close_date
            .is_some_and(|c| within(c.date_naive(), range));
        if !closed_in_range {
            continue;
        }
        match deal.status {
            DealStatus::Won => {
                stats.won_count += 1;
                stats.won_amount += amount;
            }
            DealStatus::Lost | DealStatus::Abandoned => {
                stats.lost_count += 1;
                stats.lost_amount += amount;
            }
            DealStatus::Open => {}
        }
    }
    stats
}

/// One row of the by-stage table.
#[derive(Debug, Clone, PartialEq)]
pub struct StageLine {
    pub pipeline: String,
    pub stage_id: String,
    pub label: String,
    pub outcome: DealStatus,
    pub count: u64,
    pub amount: Decimal,
}

/// Open stages: the deals sitting there now. Won and lost stages: the deals that
/// closed there within `range`.
pub fn by_stage(deals: &[Deal], pipelines: &[&Pipeline], range: DateRange) -> Vec<StageLine> {
    let mut lines = Vec::new();
    for pipeline in pipelines {
        for stage in &pipeline.stages {
            let mut line = StageLine {
                pipeline: pipeline.label.clone(),
                stage_id: stage.id.clone(),
                label: stage.label.clone(),
                outcome: stage.outcome,
                count: 0,
                amount: Decimal::ZERO,
            };
            for deal in deals
                .iter()
                .filter(|d| d.pipeline_id == pipeline.id && d.stage_id == stage.id)
            {
                // Open stages hold open deals only: GoHighLevel keeps won and lost
                // opportunities in whatever stage they reached.
                let counts = match stage.outcome {
                    DealStatus::Open => deal.status == DealStatus::Open,
                    _ => deal
                        .close_date
                        .is_some_and(|c| within(c.date_naive(), range)),
                };
                if counts {
                    line.count += 1;
                    line.amount += deal.amount.unwrap_or_default();
                }
            }
            lines.push(line);
        }
    }
    lines
}

/// Change in percent, `None` from zero.
pub fn change_pct(now: f64, before: f64) -> Option<f64> {
    (before != 0.0).then(|| ((now - before) / before * 1_000.0).round() / 10.0)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::model::Stage;
    use chrono::{DateTime, Utc};

    fn t(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn deal(
        id: &str,
        stage: &str,
        status: DealStatus,
        cents: i64,
        created: &str,
        closed: &str,
    ) -> Deal {
        Deal {
            platform: "hubspot".into(),
            id: id.into(),
            name: id.into(),
            pipeline_id: "default".into(),
            stage_id: stage.into(),
            stage_label: None,
            status,
            amount: Some(Decimal::new(cents, 2)),
            currency: "USD".into(),
            owner_id: None,
            created_at: t(created),
            close_date: Some(t(closed)),
            counterpart: None,
        }
    }

    #[test]
    fn won_lost_win_rate_and_average_on_known_numbers() {
        let range = DateRange {
            since: NaiveDate::from_ymd_opt(2026, 10, 1).unwrap(),
            until: NaiveDate::from_ymd_opt(2026, 10, 31).unwrap(),
        };
        let deals = vec![
            deal(
                "a",
                "closedwon",
                DealStatus::Won,
                1_000_000,
                "2026-09-01T10:00:00Z",
                "2026-10-05T00:00:00Z",
            ),
            deal(
                "b",
                "closedwon",
                DealStatus::Won,
                500_050,
                "2026-10-02T10:00:00Z",
                "2026-10-31T00:00:00Z",
            ),
            deal(
                "c",
                "closedlost",
                DealStatus::Lost,
                300_000,
                "2026-10-03T10:00:00Z",
                "2026-10-20T00:00:00Z",
            ),
            // Closed the day after the range: not counted as won, but created in it.
            deal(
                "d",
                "closedwon",
                DealStatus::Won,
                700_000,
                "2026-10-04T10:00:00Z",
                "2026-11-01T00:00:00Z",
            ),
            deal(
                "e",
                "qualifiedtobuy",
                DealStatus::Open,
                200_000,
                "2026-08-04T10:00:00Z",
                "2026-12-01T00:00:00Z",
            ),
        ];
        let s = period_stats(&deals, range);
        assert_eq!(s.won_count, 2);
        assert_eq!(s.won_amount, Decimal::new(1_500_050, 2));
        assert_eq!(s.lost_count, 1);
        assert_eq!(s.created_count, 3);
        assert_eq!(s.created_amount, Decimal::new(1_500_050, 2));
        assert!((s.win_rate().unwrap() - 2.0 / 3.0).abs() < 1e-12);
        assert_eq!(s.average_deal_size(), Some(Decimal::new(750_025, 2)));

        let pipeline = Pipeline {
            platform: "hubspot".into(),
            id: "default".into(),
            label: "Wholesale".into(),
            stages: vec![
                Stage {
                    id: "qualifiedtobuy".into(),
                    label: "Samples sent".into(),
                    display_order: 1,
                    outcome: DealStatus::Open,
                },
                Stage {
                    id: "closedwon".into(),
                    label: "Closed won".into(),
                    display_order: 5,
                    outcome: DealStatus::Won,
                },
                Stage {
                    id: "closedlost".into(),
                    label: "Closed lost".into(),
                    display_order: 6,
                    outcome: DealStatus::Lost,
                },
            ],
        };
        let lines = by_stage(&deals, &[&pipeline], range);
        let counts: Vec<(u64, Decimal)> = lines.iter().map(|l| (l.count, l.amount)).collect();
        assert_eq!(
            counts,
            vec![
                (1, Decimal::new(200_000, 2)),
                (2, Decimal::new(1_500_050, 2)),
                (1, Decimal::new(300_000, 2)),
            ]
        );
        assert_eq!(change_pct(150.0, 100.0), Some(50.0));
        assert_eq!(change_pct(1.0, 0.0), None);
    }
}
