//! Articles from the web: `lector add DIR https://…` and File → Add from URL….
//!
//! The page is fetched with a real HTTP client (ureq on rustls, Mozilla's root certificates
//! compiled in): redirects followed (at most [`MAX_REDIRECTS`]), a time limit on the whole
//! exchange, a size limit checked against `Content-Length` before the body is read and again
//! while it is read, and only HTML (or XHTML) and PDF taken. The charset the server declares
//! (`Content-Type: text/html; charset=…`) wins over the page's own `<meta>`, as in browsers.
//! The bytes are then read exactly as a saved file of that kind ([`super::read_with_charset`]).
//!
//! Nothing here touches the project: a failed fetch adds nothing. The caller stores the text
//! with the address (after redirects) and the time it was fetched.

use std::time::Duration;

use ureq::ResponseExt as _;

use super::ArticleKind;

/// Redirects followed before giving up.
pub const MAX_REDIRECTS: u32 = 10;

/// The default time limit for a whole fetch.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// The largest page or PDF Lector fetches: 32 MiB.
pub const MAX_FETCH_BYTES: u64 = 32 * 1024 * 1024;

/// What a fetch may take.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FetchLimits {
    /// For the whole exchange: connecting, redirects, headers and body.
    pub timeout: Duration,
    /// The largest body taken.
    pub max_bytes: u64,
}

impl Default for FetchLimits {
    fn default() -> Self {
        Self {
            timeout: DEFAULT_TIMEOUT,
            max_bytes: MAX_FETCH_BYTES,
        }
    }
}

/// A fetched article, not yet read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fetched {
    /// The address the article was found at, after redirects.
    pub url: String,
    /// HTML or PDF, from the `Content-Type`.
    pub kind: ArticleKind,
    /// The charset the server declared, if any.
    pub charset: Option<String>,
    /// The body.
    pub bytes: Vec<u8>,
    /// When it was fetched.
    pub at: jiff::Timestamp,
    /// A name for `project.ron`'s `file`: the address's last part, with `.html` or `.pdf`.
    pub file_name: String,
}

/// Why an article could not be fetched. Every message names the address.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum FetchError {
    /// Not an `http://` or `https://` address.
    #[error("{url}: not a web address Lector fetches ({reason})")]
    BadUrl {
        /// The address given.
        url: String,
        /// Why.
        reason: String,
    },
    /// No connection: no network, a name that does not resolve, a refused connection, TLS.
    #[error("{url}: could not connect: {reason}")]
    Connect {
        /// The address.
        url: String,
        /// What the client said.
        reason: String,
    },
    /// The server answered with an error status.
    #[error("{url}: the server answered {status}{}", if *status == 404 { " (not found)" } else { "" })]
    Status {
        /// The address (after redirects).
        url: String,
        /// The HTTP status.
        status: u16,
    },
    /// Neither HTML nor PDF.
    #[error(
        "{url}: this is {content_type}, not a web page (HTML) or a PDF; Lector adds articles, \
         not other files"
    )]
    NotAnArticle {
        /// The address (after redirects).
        url: String,
        /// What the server said it is.
        content_type: String,
    },
    /// Beyond the size limit.
    #[error("{url}: the article is larger than {}, the most Lector fetches{}", crate::fsguard::size_text(*limit), said.map(|n| format!(" (the server says {})", crate::fsguard::size_text(n))).unwrap_or_default())]
    TooLarge {
        /// The address (after redirects).
        url: String,
        /// The limit.
        limit: u64,
        /// The size the server gave, if it did.
        said: Option<u64>,
    },
    /// The time limit passed.
    #[error("{url}: no complete answer within {} s; stopped", secs)]
    Timeout {
        /// The address.
        url: String,
        /// The limit, in seconds.
        secs: u64,
    },
    /// Redirected too often (a loop).
    #[error("{url}: redirected more than {MAX_REDIRECTS} times (a redirect loop?)")]
    TooManyRedirects {
        /// The address.
        url: String,
    },
    /// Anything else the exchange ran into.
    #[error("{url}: {reason}")]
    Other {
        /// The address.
        url: String,
        /// What went wrong.
        reason: String,
    },
}

/// Whether a command-line argument is a web address rather than a file.
pub fn is_url(s: &str) -> bool {
    let lower = s.trim_start().to_ascii_lowercase();
    lower.starts_with("http://") || lower.starts_with("https://")
}

/// Fetches an article. Blocks for at most `limits.timeout`.
pub fn fetch(url: &str, limits: FetchLimits) -> Result<Fetched, FetchError> {
    let url = url.trim();
    if !is_url(url) {
        return Err(FetchError::BadUrl {
            url: url.to_owned(),
            reason: "only http:// and https:// addresses".to_owned(),
        });
    }
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(limits.timeout))
        .max_redirects(MAX_REDIRECTS)
        .http_status_as_error(false)
        .user_agent(concat!("Lector/", env!("CARGO_PKG_VERSION")))
        .build()
        .into();
    let secs = limits.timeout.as_secs().max(1);
    let mut response = agent
        .get(url)
        .header(
            "Accept",
            "text/html,application/xhtml+xml,application/pdf;q=0.9,*/*;q=0.1",
        )
        .call()
        .map_err(|e| error(url, &e, secs))?;
    let final_url = response.get_uri().to_string();
    let status = response.status().as_u16();
    if !(200..300).contains(&status) {
        return Err(FetchError::Status {
            url: final_url,
            status,
        });
    }
    let mime = response
        .body()
        .mime_type()
        .map(str::to_ascii_lowercase)
        .unwrap_or_default();
    let charset = response.body().charset().map(str::to_owned);
    let said = response.body().content_length();
    if let Some(n) = said.filter(|&n| n > limits.max_bytes) {
        return Err(FetchError::TooLarge {
            url: final_url,
            limit: limits.max_bytes,
            said: Some(n),
        });
    }
    let declared = match mime.as_str() {
        "text/html" | "application/xhtml+xml" => Some(ArticleKind::Html),
        "application/pdf" => Some(ArticleKind::Pdf),
        // Servers that do not say what they send: looked at below.
        "" | "application/octet-stream" => None,
        other => {
            return Err(FetchError::NotAnArticle {
                url: final_url,
                content_type: other.to_owned(),
            });
        }
    };
    let bytes = response
        .body_mut()
        .with_config()
        .limit(limits.max_bytes)
        .read_to_vec()
        .map_err(|e| match e {
            ureq::Error::BodyExceedsLimit(_) => FetchError::TooLarge {
                url: final_url.clone(),
                limit: limits.max_bytes,
                said: None,
            },
            e => error(&final_url, &e, secs),
        })?;
    let kind = match declared {
        Some(kind) => kind,
        None => sniff(&bytes).ok_or_else(|| FetchError::NotAnArticle {
            url: final_url.clone(),
            content_type: if mime.is_empty() {
                "a file of unknown type".to_owned()
            } else {
                mime.clone()
            },
        })?,
    };
    Ok(Fetched {
        file_name: file_name(&final_url, kind),
        url: final_url,
        kind,
        charset,
        bytes,
        at: jiff::Timestamp::now(),
    })
}

/// The kind of a body the server did not label: a PDF by its signature, a page by its start.
fn sniff(bytes: &[u8]) -> Option<ArticleKind> {
    if bytes.starts_with(b"%PDF-") {
        return Some(ArticleKind::Pdf);
    }
    let head = bytes.get(..1024).unwrap_or(bytes).to_ascii_lowercase();
    let has = |needle: &[u8]| head.windows(needle.len()).any(|w| w == needle);
    (has(b"<!doctype html") || has(b"<html")).then_some(ArticleKind::Html)
}

/// A ureq error as a [`FetchError`] naming `url`.
fn error(url: &str, e: &ureq::Error, secs: u64) -> FetchError {
    let url = url.to_owned();
    match e {
        ureq::Error::Timeout(_) => FetchError::Timeout { url, secs },
        ureq::Error::TooManyRedirects => FetchError::TooManyRedirects { url },
        ureq::Error::HostNotFound => FetchError::Connect {
            url,
            reason: "the host name was not found (no network, or a typo?)".to_owned(),
        },
        ureq::Error::ConnectionFailed => FetchError::Connect {
            url,
            reason: "the connection failed (no network, or the server is down?)".to_owned(),
        },
        ureq::Error::Io(io) => match io.kind() {
            std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock => {
                FetchError::Timeout { url, secs }
            }
            std::io::ErrorKind::ConnectionRefused => FetchError::Connect {
                url,
                reason: "the server refused the connection".to_owned(),
            },
            _ => FetchError::Connect {
                url,
                reason: io.to_string(),
            },
        },
        ureq::Error::BadUri(reason) => FetchError::BadUrl {
            url,
            reason: reason.clone(),
        },
        ureq::Error::Tls(_) | ureq::Error::Rustls(_) => FetchError::Connect {
            url,
            reason: format!("the secure connection failed: {e}"),
        },
        other => FetchError::Other {
            url,
            reason: other.to_string(),
        },
    }
}

/// A file name for the article: the address's last path part (without its query), else the
/// host, with the kind's extension.
fn file_name(url: &str, kind: ArticleKind) -> String {
    let without_scheme = url.split_once("://").map_or(url, |(_, rest)| rest);
    let path = without_scheme
        .split(['?', '#'])
        .next()
        .unwrap_or(without_scheme);
    let mut parts = path.split('/').filter(|p| !p.is_empty());
    let host = parts.next().unwrap_or("article").replace(['.', ':'], "-");
    let last = parts.next_back().map_or(host, str::to_owned);
    let ext = if kind == ArticleKind::Pdf {
        "pdf"
    } else {
        "html"
    };
    let lower = last.to_ascii_lowercase();
    let stem = [".html", ".htm", ".pdf", ".php", ".aspx", ".asp", ".shtml"]
        .iter()
        .find_map(|e| {
            lower
                .strip_suffix(e)
                .map(|s| last.get(..s.len()).unwrap_or(s))
        })
        .unwrap_or(&last);
    // The stem becomes the document id (a slug), which splits at the first dot.
    format!("{}.{ext}", stem.replace('.', "-"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_from_addresses() {
        assert_eq!(
            file_name(
                "https://example.com/news/2021/sotji-talks",
                ArticleKind::Html
            ),
            "sotji-talks.html"
        );
        assert_eq!(
            file_name("https://example.com/a/report.v2.PDF?x=1", ArticleKind::Pdf),
            "report-v2.pdf"
        );
        assert_eq!(
            file_name("http://127.0.0.1:8080/", ArticleKind::Html),
            "127-0-0-1-8080.html"
        );
    }

    #[test]
    fn only_web_addresses() {
        assert!(is_url("https://x.org/a"));
        assert!(!is_url("notes/https.txt"));
        assert!(matches!(
            fetch("ftp://x.org/a", FetchLimits::default()),
            Err(FetchError::BadUrl { .. })
        ));
    }
}
