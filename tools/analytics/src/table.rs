//! CSV exports in, typed values out, with errors an analyst can act on: every error
//! names the column and the line (1-based, counting the header as line 1).

use chrono::NaiveDate;
use std::collections::HashMap;
use std::io::Read;

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum TableError {
    #[error("the CSV has no header line")]
    Empty,
    #[error("missing column `{column}` (the header has: {found})")]
    MissingColumn { column: String, found: String },
    #[error("line {line}, column `{column}`: {problem}")]
    Malformed {
        line: usize,
        column: String,
        problem: String,
    },
    #[error("line {line}: {problem}")]
    Unreadable { line: usize, problem: String },
}

/// A parsed CSV: a header and rows of text cells. Column names are matched
/// case-insensitively and with surrounding spaces ignored.
#[derive(Debug, Clone)]
pub struct Table {
    columns: HashMap<String, usize>,
    header: Vec<String>,
    rows: Vec<(usize, Vec<String>)>,
}

impl Table {
    pub fn from_reader(reader: impl Read) -> Result<Self, TableError> {
        let mut csv = csv::ReaderBuilder::new()
            .flexible(true)
            .trim(csv::Trim::All)
            .from_reader(reader);
        let header: Vec<String> = csv
            .headers()
            .map_err(|e| TableError::Unreadable {
                line: 1,
                problem: e.to_string(),
            })?
            .iter()
            .map(|h| h.trim().to_ascii_lowercase())
            .collect();
        if header.iter().all(|h| h.is_empty()) {
            return Err(TableError::Empty);
        }
        let columns = header
            .iter()
            .enumerate()
            .map(|(i, h)| (h.clone(), i))
            .collect();
        let mut rows = Vec::new();
        for record in csv.records() {
            let record = record.map_err(|e| TableError::Unreadable {
                line: e.position().map_or(0, |p| p.line() as usize),
                problem: e.to_string(),
            })?;
            let line = record
                .position()
                .map_or(rows.len() + 2, |p| p.line() as usize);
            if record.iter().all(|cell| cell.is_empty()) {
                continue;
            }
            rows.push((line, record.iter().map(str::to_string).collect()));
        }
        Ok(Table {
            columns,
            header,
            rows,
        })
    }

    pub fn parse(text: &str) -> Result<Self, TableError> {
        Self::from_reader(text.as_bytes())
    }

    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    pub fn has_column(&self, name: &str) -> bool {
        self.columns.contains_key(&name.to_ascii_lowercase())
    }

    /// Column names as in the header (lower case), in order.
    pub fn columns(&self) -> impl Iterator<Item = &str> {
        self.header
            .iter()
            .map(String::as_str)
            .filter(|h| !h.is_empty())
    }

    /// Fails with the header's column list when `name` is absent.
    pub fn require(&self, name: &str) -> Result<(), TableError> {
        if self.has_column(name) {
            Ok(())
        } else {
            Err(TableError::MissingColumn {
                column: name.to_string(),
                found: self.header.join(", "),
            })
        }
    }

    pub fn rows(&self) -> impl Iterator<Item = Row<'_>> {
        self.rows.iter().map(|(line, cells)| Row {
            table: self,
            line: *line,
            cells,
        })
    }
}

/// One data row; getters return errors naming this row's line.
#[derive(Debug, Clone, Copy)]
pub struct Row<'a> {
    table: &'a Table,
    pub line: usize,
    cells: &'a [String],
}

impl<'a> Row<'a> {
    /// The cell's text, or `None` when the column is absent or the cell empty.
    pub fn get(&self, column: &str) -> Option<&'a str> {
        let index = *self.table.columns.get(&column.to_ascii_lowercase())?;
        self.cells
            .get(index)
            .map(String::as_str)
            .filter(|s| !s.is_empty())
    }

    pub fn text(&self, column: &str) -> Result<&'a str, TableError> {
        self.table.require(column)?;
        self.get(column)
            .ok_or_else(|| self.malformed(column, "is empty"))
    }

    pub fn number(&self, column: &str) -> Result<f64, TableError> {
        let raw = self.text(column)?;
        let cleaned: String = raw
            .chars()
            .filter(|c| !matches!(c, ',' | '$' | '€' | '£' | '%' | ' '))
            .collect();
        match cleaned.parse::<f64>() {
            Ok(v) if v.is_finite() => Ok(v),
            _ => Err(self.malformed(column, &format!("expected a number, got `{raw}`"))),
        }
    }

    /// A number, or `None` when the column is absent or the cell is empty.
    pub fn optional_number(&self, column: &str) -> Result<Option<f64>, TableError> {
        if self.get(column).is_none() {
            return Ok(None);
        }
        self.number(column).map(Some)
    }

    /// A calendar date as `YYYY-MM-DD` (a time part after it is ignored).
    pub fn date(&self, column: &str) -> Result<NaiveDate, TableError> {
        let raw = self.text(column)?;
        let day = raw.get(..10).unwrap_or(raw);
        NaiveDate::parse_from_str(day, "%Y-%m-%d").map_err(|_| {
            self.malformed(column, &format!("expected a date YYYY-MM-DD, got `{raw}`"))
        })
    }

    pub fn malformed(&self, column: &str, problem: &str) -> TableError {
        TableError::Malformed {
            line: self.line,
            column: column.to_string(),
            problem: problem.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_name_the_column_and_the_line() {
        let table = Table::parse("date,spend\n2026-01-01,10\n2026-01-02,abc\n").unwrap();
        let rows: Vec<_> = table.rows().collect();
        assert_eq!(rows[0].number("spend").unwrap(), 10.0);
        let err = rows[1].number("spend").unwrap_err();
        assert_eq!(
            err.to_string(),
            "line 3, column `spend`: expected a number, got `abc`"
        );
        let err = rows[0].number("clicks").unwrap_err();
        assert_eq!(
            err.to_string(),
            "missing column `clicks` (the header has: date, spend)"
        );
    }

    #[test]
    fn headers_match_case_insensitively_and_money_signs_are_ignored() {
        let table = Table::parse(" Date , Spend\n2026-01-01,\"$1,200.50\"\n").unwrap();
        let row = table.rows().next().unwrap();
        assert_eq!(row.number("spend").unwrap(), 1200.5);
        assert_eq!(
            row.date("DATE").unwrap(),
            NaiveDate::from_ymd_opt(2026, 1, 1).unwrap()
        );
    }

    #[test]
    fn a_bad_date_is_reported_with_its_text() {
        let table = Table::parse("date\n01/02/2026\n").unwrap();
        let err = table.rows().next().unwrap().date("date").unwrap_err();
        assert!(err.to_string().contains("line 2, column `date`"), "{err}");
        assert!(err.to_string().contains("01/02/2026"), "{err}");
    }
}
