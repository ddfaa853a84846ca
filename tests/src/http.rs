//! A minimal HTTP/1.1 POST, enough to invoke functions served by
//! `cargo lambda watch` (its invoke API is the Lambda `Invoke` REST call).

use anyhow::{bail, Context, Result};
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Outcome of one invocation.
#[derive(Debug, Clone)]
pub enum Invocation {
    /// The function returned this value.
    Ok(Value),
    /// The function failed; `errorMessage` and `errorType` as Lambda reports them.
    Err { error_type: String, message: String },
}

impl Invocation {
    /// The report, or a panic with the error.
    pub fn expect_ok(self) -> Value {
        match self {
            Invocation::Ok(v) => v,
            Invocation::Err {
                error_type,
                message,
            } => panic!("invocation failed: {error_type}: {message}"),
        }
    }

    /// The error message, or a panic with the report.
    pub fn expect_err(self) -> String {
        match self {
            Invocation::Ok(v) => panic!("invocation succeeded but an error was expected: {v}"),
            Invocation::Err { message, .. } => message,
        }
    }
}

/// Invokes `function` on the cargo lambda watch server at `base`.
pub async fn invoke(base: &str, function: &str, event: &Value) -> Result<Invocation> {
    let path = format!("/2015-03-31/functions/{function}/invocations");
    let (status, value) = request(base, "POST", &path, Some(&serde_json::to_vec(event)?)).await?;
    if let (Some(t), Some(m)) = (value.get("errorType"), value.get("errorMessage")) {
        return Ok(Invocation::Err {
            error_type: t.as_str().unwrap_or_default().into(),
            message: m.as_str().unwrap_or_default().into(),
        });
    }
    if status != 200 {
        bail!("status {status}: {value}");
    }
    Ok(Invocation::Ok(value))
}

/// GET `path` on `base` and parse the JSON body.
pub async fn get(base: &str, path: &str) -> Result<Value> {
    Ok(request(base, "GET", path, None).await?.1)
}

/// POST a JSON body (moto's control API, the fault proxy's); the status and the JSON body (Null when empty).
pub async fn post(base: &str, path: &str, body: &Value) -> Result<(u16, Value)> {
    request(base, "POST", path, Some(&serde_json::to_vec(body)?)).await
}

/// One HTTP/1.1 request on a fresh connection; the status and the JSON body.
pub async fn request(
    base: &str,
    method: &str,
    path: &str,
    body: Option<&[u8]>,
) -> Result<(u16, Value)> {
    let addr = base
        .strip_prefix("http://")
        .context("base URL must be http://")?;
    let body = body.unwrap_or_default();
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    let mut stream = TcpStream::connect(addr)
        .await
        .with_context(|| format!("connecting to {addr}"))?;
    stream.write_all(head.as_bytes()).await?;
    stream.write_all(body).await?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).await?;
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .context("no HTTP header end")?;
    let header = String::from_utf8_lossy(&raw[..split]).to_string();
    let mut payload = raw[split + 4..].to_vec();
    if header
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        payload = dechunk(&payload)?;
    }
    let status: u16 = header
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .context("no status")?;
    if payload.iter().all(u8::is_ascii_whitespace) {
        return Ok((status, Value::Null));
    }
    let value = serde_json::from_slice(&payload).with_context(|| {
        format!(
            "status {status}, body not JSON: {}",
            String::from_utf8_lossy(&payload)
        )
    })?;
    Ok((status, value))
}

fn dechunk(mut data: &[u8]) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    loop {
        let line_end = data
            .windows(2)
            .position(|w| w == b"\r\n")
            .context("bad chunk")?;
        let size = usize::from_str_radix(std::str::from_utf8(&data[..line_end])?.trim(), 16)?;
        data = &data[line_end + 2..];
        if size == 0 {
            return Ok(out);
        }
        out.extend_from_slice(&data[..size]);
        data = &data[size + 2..];
    }
}
