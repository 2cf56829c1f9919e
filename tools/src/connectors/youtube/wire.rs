//! YouTube's JSON as sent (PLATFORMS.md §9): the Analytics `resultTable`, whose rows
//! are positional arrays in `columnHeaders` order (and absent when there is no data),
//! and the Data API's video list, whose counts are strings.

use super::errors::YouTubeError;
use serde::Deserialize;
use serde_json::Value;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ResultTable {
    #[serde(default)]
    pub column_headers: Vec<ColumnHeader>,
    /// Omitted when the report has no data.
    #[serde(default)]
    pub rows: Option<Vec<Vec<Value>>>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct ColumnHeader {
    pub name: String,
}

/// A row's cells by column name.
pub(crate) struct Row<'a> {
    headers: &'a [ColumnHeader],
    cells: &'a [Value],
}

impl ResultTable {
    pub(crate) fn rows(&self) -> impl Iterator<Item = Row<'_>> {
        self.rows.iter().flatten().map(|cells| Row {
            headers: &self.column_headers,
            cells,
        })
    }

    /// Fails unless every column the caller reads came back.
    pub(crate) fn require(&self, columns: &[&str]) -> Result<(), YouTubeError> {
        match columns
            .iter()
            .find(|c| !self.column_headers.iter().any(|h| h.name == **c))
        {
            Some(missing) => Err(YouTubeError::Malformed(format!(
                "report has no {missing} column"
            ))),
            None => Ok(()),
        }
    }
}

impl Row<'_> {
    fn cell(&self, column: &str) -> Option<&Value> {
        let index = self.headers.iter().position(|h| h.name == column)?;
        self.cells.get(index)
    }

    pub(crate) fn text(&self, column: &str) -> Result<String, YouTubeError> {
        self.cell(column)
            .and_then(Value::as_str)
            .map(str::to_owned)
            .ok_or_else(|| YouTubeError::Malformed(format!("{column} is not text")))
    }

    /// An INTEGER metric; Google sometimes writes those as `12.0`.
    pub(crate) fn count(&self, column: &str) -> Result<u64, YouTubeError> {
        let value = self
            .cell(column)
            .ok_or_else(|| YouTubeError::Malformed(format!("row has no {column}")))?;
        value
            .as_u64()
            .or_else(|| {
                value
                    .as_f64()
                    .filter(|f| *f >= 0.0 && f.fract() == 0.0)
                    .map(|f| f as u64)
            })
            .ok_or_else(|| YouTubeError::Malformed(format!("{column} is not a count: {value}")))
    }
}

#[derive(Debug, Deserialize)]
pub(crate) struct VideoList {
    #[serde(default)]
    pub items: Vec<WireVideo>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct WireVideo {
    pub id: String,
    #[serde(default)]
    pub snippet: Option<WireSnippet>,
    #[serde(default)]
    pub statistics: Option<WireStatistics>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct WireSnippet {
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub published_at: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct WireStatistics {
    #[serde(default)]
    pub view_count: Option<String>,
    #[serde(default)]
    pub like_count: Option<String>,
    #[serde(default)]
    pub comment_count: Option<String>,
}

/// A video's title and lifetime counts from the Data API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VideoInfo {
    pub id: String,
    pub title: String,
    /// RFC 3339, as YouTube sends it.
    pub published_at: Option<String>,
    /// Lifetime counts; `None` when hidden or not asked for.
    pub view_count: Option<u64>,
    pub like_count: Option<u64>,
    pub comment_count: Option<u64>,
}

fn string_count(field: &str, raw: Option<String>) -> Result<Option<u64>, YouTubeError> {
    raw.map(|text| {
        text.parse::<u64>()
            .map_err(|_| YouTubeError::Malformed(format!("{field} is not a count: {text:?}")))
    })
    .transpose()
}

pub(crate) fn video_info(video: WireVideo) -> Result<VideoInfo, YouTubeError> {
    let snippet = video.snippet;
    let stats = video.statistics;
    let (views, likes, comments) = match stats {
        Some(s) => (s.view_count, s.like_count, s.comment_count),
        None => (None, None, None),
    };
    Ok(VideoInfo {
        id: video.id,
        title: snippet
            .as_ref()
            .map(|s| s.title.clone())
            .unwrap_or_default(),
        published_at: snippet.and_then(|s| s.published_at),
        view_count: string_count("viewCount", views)?,
        like_count: string_count("likeCount", likes)?,
        comment_count: string_count("commentCount", comments)?,
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn the_documented_shapes_parse() {
        let table: ResultTable = serde_json::from_str(
            r#"{"kind":"youtubeAnalytics#resultTable",
            "columnHeaders":[{"name":"day","columnType":"DIMENSION","dataType":"STRING"},
                             {"name":"views","columnType":"METRIC","dataType":"INTEGER"},
                             {"name":"estimatedRevenue","columnType":"METRIC","dataType":"FLOAT"}],
            "rows":[["2025-06-01",1523,12.37],["2025-06-02",1710.0,14.02]]}"#,
        )
        .unwrap();
        let rows: Vec<_> = table.rows().collect();
        assert_eq!(rows[0].text("day").unwrap(), "2025-06-01");
        assert_eq!(rows[1].count("views").unwrap(), 1710);
        assert!(table.require(&["day", "likes"]).is_err());
        let empty: ResultTable =
            serde_json::from_str(r#"{"kind":"youtubeAnalytics#resultTable","columnHeaders":[]}"#)
                .unwrap();
        assert_eq!(empty.rows().count(), 0);

        let list: VideoList = serde_json::from_str(r#"{"kind":"youtube#videoListResponse","items":[{"id":"ID1","snippet":{"title":"...","publishedAt":"..."},"statistics":{"viewCount":"15023","likeCount":"812","commentCount":"44"}}],"pageInfo":{"totalResults":2,"resultsPerPage":2}}"#).unwrap();
        let video = video_info(list.items.into_iter().next().unwrap()).unwrap();
        assert_eq!(video.view_count, Some(15_023));
        assert_eq!(video.like_count, Some(812));
    }
}
