//! `picolambda`: sign, decode and invoke AWS Lambda `Invoke` requests with the picolambda core.

mod args;
mod decode;
mod inputs;
mod invoke;
mod output;
mod serve;
mod sign;

use args::Args;
use inputs::{Inputs, EXAMPLE_ACCESS_KEY, EXAMPLE_SECRET_KEY};

const USAGE: &str = "\
usage:
  picolambda sign FUNCTION [options]      print the exact signed request bytes
  picolambda sign --jsonl                 sign one JSON case per stdin line
  picolambda invoke FUNCTION [options] [--output text|json] [--outfile PATH]
                                          invoke a function (with no credentials and no endpoint
                                          configured: an in-process local endpoint)
  picolambda decode [--chunk N]           parse a raw HTTP response from stdin, print JSON
  picolambda serve [--port P]             run a local Lambda endpoint with demo functions

options (sign, invoke):
  --qualifier Q            version or alias (?Qualifier=)
  --invocation-type T      RequestResponse | Event | DryRun
  --log-type T             None | Tail
  --client-context C       JSON (starts with '{', base64-encoded for you) or base64 as is
  --payload P              inline JSON, or file://PATH (the file's bytes as they are)
  --region R               default: AWS_REGION, AWS_DEFAULT_REGION, else us-east-1
  --endpoint URL           default: AWS_ENDPOINT_URL_LAMBDA, AWS_ENDPOINT_URL, else AWS
  --fips, --dualstack      FIPS / dual-stack AWS endpoints
  --date YYYYMMDDTHHMMSSZ  sign at this time instead of now
  --verbose                also print the canonical request and string to sign (stderr)
credentials: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN; for invoke also the
shared credentials file (AWS_SHARED_CREDENTIALS_FILE or ~/.aws/credentials, profile AWS_PROFILE)
exit codes (invoke, decode): 0 success (also with a FunctionError), 1 service error, 2 failure
";

const VALUE_OPTIONS: &[&str] = &[
    "qualifier",
    "invocation-type",
    "log-type",
    "client-context",
    "payload",
    "region",
    "endpoint",
    "date",
    "output",
    "outfile",
];
const FLAG_OPTIONS: &[&str] = &["fips", "dualstack", "verbose", "jsonl"];

fn env_nonempty(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

/// Inputs from the common options; credentials from the environment.
fn inputs_from_args(args: &Args) -> Result<Inputs, String> {
    let function_name = match args.positionals.as_slice() {
        [f] => f.clone(),
        [] => return Err("missing FUNCTION".into()),
        _ => return Err("exactly one FUNCTION expected".into()),
    };
    let payload = match args.value("payload") {
        None => Vec::new(),
        Some(p) => match p.strip_prefix("file://") {
            Some(path) => std::fs::read(path).map_err(|e| format!("--payload {p}: {e}"))?,
            None => p.as_bytes().to_vec(),
        },
    };
    let (client_context_json, client_context_b64) = match args.value("client-context") {
        Some(c) if c.trim_start().starts_with('{') => (Some(c.to_string()), None),
        Some(c) => (None, Some(c.to_string())),
        None => (None, None),
    };
    let region = args
        .value("region")
        .map(str::to_string)
        .or_else(|| env_nonempty("AWS_REGION"))
        .or_else(|| env_nonempty("AWS_DEFAULT_REGION"))
        .unwrap_or_else(|| "us-east-1".into());
    let endpoint = args
        .value("endpoint")
        .map(str::to_string)
        .or_else(|| env_nonempty("AWS_ENDPOINT_URL_LAMBDA"))
        .or_else(|| env_nonempty("AWS_ENDPOINT_URL"));
    Ok(Inputs {
        region,
        endpoint,
        fips: args.flag("fips"),
        dual_stack: args.flag("dualstack"),
        access_key: String::new(),
        secret_key: String::new(),
        session_token: None,
        amz_date: args.value("date").map(str::to_string),
        function_name,
        qualifier: args.value("qualifier").map(str::to_string),
        invocation_type: args.value("invocation-type").map(str::to_string),
        log_type: args.value("log-type").map(str::to_string),
        client_context_json,
        client_context_b64,
        payload,
    })
}

fn cmd_sign(rest: Vec<String>) -> i32 {
    let args = match Args::parse(rest, VALUE_OPTIONS, FLAG_OPTIONS) {
        Ok(a) => a,
        Err(e) => return usage_error(&e),
    };
    if args.flag("jsonl") {
        if !args.positionals.is_empty() {
            return usage_error("--jsonl takes its cases on stdin, not FUNCTION");
        }
        return sign::run_jsonl();
    }
    let mut inputs = match inputs_from_args(&args) {
        Ok(i) => i,
        Err(e) => return usage_error(&e),
    };
    match (
        env_nonempty("AWS_ACCESS_KEY_ID"),
        env_nonempty("AWS_SECRET_ACCESS_KEY"),
    ) {
        (Some(ak), Some(sk)) => {
            inputs.access_key = ak;
            inputs.secret_key = sk;
            inputs.session_token = env_nonempty("AWS_SESSION_TOKEN");
        }
        _ => {
            eprintln!(
                "picolambda sign: no AWS credentials in the environment; signing with the AWS \
                 documentation example key {EXAMPLE_ACCESS_KEY}"
            );
            inputs.access_key = EXAMPLE_ACCESS_KEY.into();
            inputs.secret_key = EXAMPLE_SECRET_KEY.into();
        }
    }
    sign::run(&inputs, args.flag("verbose"))
}

fn cmd_invoke(rest: Vec<String>) -> i32 {
    let args = match Args::parse(rest, VALUE_OPTIONS, FLAG_OPTIONS) {
        Ok(a) => a,
        Err(e) => return usage_error(&e),
    };
    if args.flag("jsonl") || args.value("date").is_some() {
        return usage_error("--jsonl and --date are for sign");
    }
    let json = match args.value("output") {
        None | Some("text") => false,
        Some("json") => true,
        Some(other) => return usage_error(&format!("--output {other:?}: text or json")),
    };
    // The file payload is streamed (hashed, then sent), not read here.
    let payload = match args.value("payload") {
        Some(p) => match p.strip_prefix("file://") {
            Some(path) => invoke::PayloadArg::File(path.to_string()),
            None => invoke::PayloadArg::Inline(p.as_bytes().to_vec()),
        },
        None => invoke::PayloadArg::Inline(Vec::new()),
    };
    let mut without_payload = args;
    without_payload.options.retain(|(n, _)| n != "payload");
    let inputs = match inputs_from_args(&without_payload) {
        Ok(i) => i,
        Err(e) => return usage_error(&e),
    };
    invoke::run(invoke::InvokeArgs {
        inputs,
        payload,
        json,
        outfile: without_payload.value("outfile").map(str::to_string),
    })
}

fn usage_error(message: &str) -> i32 {
    eprintln!("picolambda: {message}\n\n{USAGE}");
    2
}

fn main() {
    let mut argv = std::env::args().skip(1);
    let code = match argv.next().as_deref() {
        Some("sign") => cmd_sign(argv.collect()),
        Some("serve") => serve::run(argv.collect()),
        Some("invoke") => cmd_invoke(argv.collect()),
        Some("decode") => decode::run(argv.collect()),
        Some("-h" | "--help" | "help") => {
            print!("{USAGE}");
            0
        }
        Some(other) => usage_error(&format!("unknown command {other:?}")),
        None => usage_error("missing command"),
    };
    std::process::exit(code);
}
