//! `falcon-exposure call`: any operation by its ID, with raw query
//! parameters and a raw JSON body, the reply written as JSON; what
//! FalconPy's Uber class does, from a shell.

use std::io::{Read, Write};
use std::path::Path;

use clap::Args;
use serde_json::Value;

use crate::exit::{Code, Failure};
use crate::global::GlobalArgs;
use crate::output::terminal;

/// `call` flags.
///
/// The reply's JSON envelope (resources, meta, errors) goes to stdout as
/// is. Exit 2 for an unknown operation (with the closest names), a bad
/// --param or --body, or a request the operation refuses before it is
/// sent; 4 when the API answers with an error.
#[derive(Args, Debug)]
#[command(after_long_help = "\
Examples:
  falcon-exposure call query_external_assets --param filter=\"asset_type:'ip'\" --param limit=5
  falcon-exposure call get_external_assets --param ids=ID1 --param ids=ID2
  falcon-exposure call aggregate_external_assets --body '[{\"name\":\"t\",\"type\":\"terms\",\"field\":\"asset_type\"}]'
  falcon-exposure call patch_external_assets --body @patch.json")]
pub struct CallArgs {
    /// The operation ID (query_external_assets) or method name
    /// (query_assets), as in the API documentation.
    #[arg(value_name = "OPERATION_ID")]
    pub operation: String,
    /// A query parameter as KEY=VALUE; repeat the flag for several
    /// parameters or several values of one (--param ids=a --param ids=b).
    #[arg(long = "param", value_name = "KEY=VALUE", value_parser = parse_param)]
    pub params: Vec<(String, String)>,
    /// The JSON body: the JSON itself, @FILE to read it from a file, or @-
    /// to read it from stdin.
    #[arg(long, value_name = "JSON|@FILE")]
    pub body: Option<String>,
}

/// `KEY=VALUE`, split at the first `=`.
fn parse_param(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((key, value)) if !key.trim().is_empty() => {
            Ok((key.trim().to_owned(), value.to_owned()))
        }
        _ => Err(format!(
            "expected KEY=VALUE, e.g. --param limit=10, got {:?}",
            terminal(s)
        )),
    }
}

/// The body `--body` names, parsed.
fn read_body(arg: &str) -> Result<Value, Failure> {
    let (text, from) = match arg.strip_prefix('@') {
        Some("-") => {
            let mut text = String::new();
            std::io::stdin()
                .read_to_string(&mut text)
                .map_err(Failure::io("--body @-: reading stdin"))?;
            (text, "stdin".to_owned())
        }
        Some(path) => {
            let text = std::fs::read_to_string(Path::new(path))
                .map_err(Failure::io(format!("--body: reading {}", terminal(path))))?;
            (text, terminal(path).into_owned())
        }
        None => (arg.to_owned(), "the flag".to_owned()),
    };
    serde_json::from_str(&text).map_err(|e| {
        Failure::usage(format!(
            "--body: {from} is not valid JSON: {e}; pass a JSON value, or @FILE to read one"
        ))
    })
}

/// Runs `call`.
pub async fn run(global: &GlobalArgs, args: CallArgs) -> Result<Code, Failure> {
    // The body is checked before the credentials, so that a typo costs no token.
    let body = args.body.as_deref().map(read_body).transpose()?;
    let client = crate::config::client(global)?;
    let mut command = client.command(&args.operation).map_err(input_error)?;
    for (key, value) in &args.params {
        command = command.query(key, value);
    }
    if let Some(body) = body {
        command = command.body(body);
    }
    let reply = command.send().await.map_err(input_error)?;
    let mut text = serde_json::to_string_pretty(&reply.body)
        .map_err(|e| Failure::usage(format!("cannot write the reply as JSON: {e}")))?;
    text.push('\n');
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())
        .and_then(|()| out.flush())
        .map_err(Failure::io("writing the reply to stdout"))?;
    Ok(Code::Success)
}

/// What the library refuses before sending (an unknown operation, a
/// missing parameter) is the caller's input: exit 2, not 4.
fn input_error(e: falcon_exposure::Error) -> Failure {
    match e {
        falcon_exposure::Error::UnknownOperation { .. }
        | falcon_exposure::Error::InvalidRequest { .. } => Failure::usage(e.to_string()),
        e => Failure::from(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn params_split_at_the_first_equals_sign() {
        assert_eq!(
            parse_param("filter=a:'b'+c:='d'").unwrap(),
            ("filter".to_owned(), "a:'b'+c:='d'".to_owned())
        );
        assert_eq!(parse_param("q=").unwrap(), ("q".to_owned(), String::new()));
        assert!(parse_param("limit").unwrap_err().contains("KEY=VALUE"));
        assert!(parse_param("=10").is_err());
    }

    #[test]
    fn a_body_that_is_not_json_names_the_flag() {
        let e = read_body("{\"a\":").unwrap_err();
        assert_eq!(e.code(), Code::Usage);
        assert!(
            e.to_string()
                .starts_with("--body: the flag is not valid JSON"),
            "{e}"
        );
        assert_eq!(read_body("[1]").unwrap(), serde_json::json!([1]));
    }
}
