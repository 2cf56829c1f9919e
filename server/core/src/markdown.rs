//! The one piece of Markdown every surface rewrites: `[label](url)` links. Slack turns
//! them into `<url|label>`, document pages into `<a>`; both parse them here, the same way.

/// `text` with each `[label](url)` replaced by `link(label, url)` and everything else
/// by `plain(…)`. A label containing `[` is not a link (so `[1] [Guide](…)` links only
/// `Guide`); when `link` returns `None` the bracket is kept as plain text.
pub fn rewrite_links(
    text: &str,
    link: impl Fn(&str, &str) -> Option<String>,
    plain: impl Fn(&str) -> String,
) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find('[') {
        let after = &rest[open + 1..];
        let parsed = after.find("](").and_then(|close| {
            let url_part = &after[close + 2..];
            url_part
                .find(')')
                .map(|end| (&after[..close], &url_part[..end], &url_part[end + 1..]))
        });
        let rewritten = parsed.and_then(|(label, url, tail)| {
            if label.contains('[') {
                return None;
            }
            link(label, url).map(|l| (l, tail))
        });
        match rewritten {
            Some((replacement, tail)) => {
                out.push_str(&plain(&rest[..open]));
                out.push_str(&replacement);
                rest = tail;
            }
            None => {
                out.push_str(&plain(&rest[..=open]));
                rest = after;
            }
        }
    }
    out.push_str(&plain(rest));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slackish(text: &str) -> String {
        rewrite_links(
            text,
            |label, url| url.starts_with("http").then(|| format!("<{url}|{label}>")),
            |plain| plain.to_uppercase(),
        )
    }

    #[test]
    fn links_are_rewritten_and_the_rest_goes_through_plain() {
        assert_eq!(
            slackish("see [docs](https://x.io) now"),
            "SEE <https://x.io|docs> NOW"
        );
        assert_eq!(
            slackish("[1] [Guide](https://g.io/a?b=1#c) (g.md)"),
            "[1] <https://g.io/a?b=1#c|Guide> (G.MD)"
        );
        // Refused or unfinished links stay text.
        assert_eq!(
            slackish("[x](javascript:1) [y](ftp"),
            "[X](JAVASCRIPT:1) [Y](FTP"
        );
        assert_eq!(slackish("no links"), "NO LINKS");
    }
}
