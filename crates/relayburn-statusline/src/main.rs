//! `relayburn-statusline`: `burn statusline` without Node. Reads Claude Code's status-line JSON
//! on stdin and prints what `relayburn_core::statusline::run` returns — the same function
//! `burn statusline` calls through the addon, so the output is the same byte for byte. It
//! never fails the status line: errors print the marker (logged in the ledger home), exit 0.
//! Only a bad command line is refused (exit 2), as `burn` refuses an unknown flag.

use relayburn_core::statusline::{self, Request};
use std::io::Write;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::process::ExitCode;

const HELP: &str = "Usage: relayburn-statusline [--json] [--timezone <tz> | --utc] [--week-start <day>] [--ledger-home <dir>]

Claude Code's status line, as `burn statusline` prints it: reads the status-line JSON on
stdin, ingests that transcript and its subagent transcripts, and prints one line:

  $1.24 session · $18.40 today · reviewers 62% of $200/mo

On any error it prints 'burn: ?', exits 0 and appends the error to statusline.log in the
ledger home. See `burn statusline --help`.";

enum Parsed {
    Run(Request),
    Print(String),
}

fn parse(args: &[String]) -> Result<Parsed, String> {
    let mut req = Request::default();
    let mut i = 0;
    while i < args.len() {
        let arg = args[i].as_str();
        let (name, inline) = match arg.split_once('=') {
            Some((n, v)) if n.starts_with("--") => (n, Some(v.to_string())),
            _ => (arg, None),
        };
        let mut value = || -> Result<String, String> {
            if let Some(v) = inline.clone() {
                return Ok(v);
            }
            i += 1;
            args.get(i)
                .cloned()
                .ok_or_else(|| format!("option '{name} <value>' argument missing"))
        };
        match name {
            "--json" => req.json = true,
            "--utc" => req.utc = true,
            "--no-color" => {}
            "--timezone" => req.timezone = Some(value()?),
            "--week-start" => req.week_start = Some(value()?),
            "--ledger-home" => req.ledger_home = Some(value()?),
            "-h" | "--help" => return Ok(Parsed::Print(HELP.to_string())),
            "-v" | "--version" => return Ok(Parsed::Print(env!("CARGO_PKG_VERSION").to_string())),
            _ if name.starts_with('-') => return Err(format!("unknown option '{arg}'")),
            _ => return Err(format!("takes no arguments, got '{arg}'")),
        }
        i += 1;
    }
    Ok(Parsed::Run(req))
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let req = match parse(&args) {
        Ok(Parsed::Run(req)) => req,
        Ok(Parsed::Print(text)) => {
            println!("{text}");
            return ExitCode::SUCCESS;
        }
        Err(message) => {
            eprintln!("relayburn-statusline: {message}\n\n{HELP}");
            return ExitCode::from(2);
        }
    };
    // A panic's message would go to stderr, which the status line does not show; the marker
    // and the log say it instead.
    std::panic::set_hook(Box::new(|_| {}));
    // `input: None`: the core reads stdin (as `burn statusline` does through the addon).
    let out = catch_unwind(AssertUnwindSafe(|| statusline::run(&req))).unwrap_or_else(|_| {
        let err = relayburn_core::Error::Internal("panic in the status line".into());
        statusline::failure(req.ledger_home.as_deref(), req.json, &err)
    });
    let mut stdout = std::io::stdout().lock();
    let _ = writeln!(stdout, "{out}");
    let _ = stdout.flush();
    ExitCode::SUCCESS
}
