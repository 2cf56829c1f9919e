//! What the emulator needs to know about an incoming Graph request.

use super::errors::GraphError;
use axum::http::{HeaderMap, Uri, header};

/// Query parameters in request order, plus where the request was sent, so paging
/// links point back at the same host and prefix.
#[derive(Debug, Clone)]
pub(crate) struct GraphRequest {
    params: Vec<(String, String)>,
    /// `http://host:port/meta/v26.0/act_…/insights`, without the query.
    url_without_query: String,
    bearer: Option<String>,
}

impl GraphRequest {
    pub(crate) fn new(
        original_uri: &Uri,
        headers: &HeaderMap,
        params: Vec<(String, String)>,
    ) -> Self {
        let host = headers
            .get(header::HOST)
            .and_then(|h| h.to_str().ok())
            .unwrap_or("127.0.0.1");
        let scheme = headers
            .get("x-forwarded-proto")
            .and_then(|h| h.to_str().ok())
            .unwrap_or("http");
        let bearer = headers
            .get(header::AUTHORIZATION)
            .and_then(|h| h.to_str().ok())
            .and_then(|h| h.strip_prefix("Bearer "))
            .map(|t| t.trim().to_owned());
        Self {
            params,
            url_without_query: format!("{scheme}://{host}{}", original_uri.path()),
            bearer,
        }
    }

    pub(crate) fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Whether the request carries `token`, as a query parameter or a bearer header.
    pub(crate) fn is_authorized(&self, token: &str) -> bool {
        let query = self.param("access_token");
        query == Some(token) || self.bearer.as_deref() == Some(token)
    }

    pub(crate) fn bearer_present(&self) -> bool {
        self.bearer.is_some()
    }

    /// The comma-separated `fields` parameter, or `default` when absent. Unknown names
    /// are a code-100 error, as on the real API.
    pub(crate) fn fields(
        &self,
        known: &[&str],
        default: &[&str],
    ) -> Result<Vec<String>, GraphError> {
        let Some(raw) = self.param("fields") else {
            return Ok(default.iter().map(|f| (*f).to_owned()).collect());
        };
        let mut fields = Vec::new();
        for field in raw.split(',').map(str::trim).filter(|f| !f.is_empty()) {
            if !known.contains(&field) {
                return Err(GraphError::invalid_parameter(format!(
                    "(#100) {field} is not valid for fields param. please check \
                     https://developers.facebook.com/docs/marketing-api/reference/ads-insights/ \
                     for all valid values"
                )));
            }
            if !fields.iter().any(|f| f == field) {
                fields.push(field.to_owned());
            }
        }
        Ok(fields)
    }

    /// This request's URL with the paging cursor replaced.
    pub(crate) fn url_with_cursor(&self, cursor_name: &str, cursor: &str) -> String {
        let mut pairs: Vec<(&str, &str)> = self
            .params
            .iter()
            .filter(|(k, _)| k != "after" && k != "before")
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        pairs.push((cursor_name, cursor));
        match reqwest::Url::parse_with_params(&self.url_without_query, &pairs) {
            Ok(url) => url.to_string(),
            // The base came from our own listener, so this cannot fail in practice;
            // a link without parameters is still a usable answer.
            Err(_) => self.url_without_query.clone(),
        }
    }
}
