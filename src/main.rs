//! `palisade`: scan text for PII and secrets, in batch or as an HTTP service.
//!
//! The binary is glue: flags, input and output, and wiring to
//! `palisade-engine`. Exit codes: 0 success, 1 findings with
//! `--fail-on-findings`, 2 usage, configuration or input error.

mod bench;
mod cli;
mod input;
mod record;
mod scan;
mod serve;
mod summary;
mod workers;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    let result = match cli.command {
        cli::Command::Scan(args) => scan::run(args),
        cli::Command::Serve(args) => serve::run(args),
        cli::Command::Bench(cli::BenchCommand::Scan(args)) => {
            bench::scan::run(args).map(|()| ExitCode::SUCCESS)
        }
        cli::Command::Bench(cli::BenchCommand::Http(args)) => {
            bench::http::run(args).map(|()| ExitCode::SUCCESS)
        }
        cli::Command::Bench(cli::BenchCommand::Classify(args)) => {
            bench::classify::run(args).map(|()| ExitCode::SUCCESS)
        }
    };
    match result {
        Ok(code) => code,
        Err(err) => {
            if err
                .downcast_ref::<std::io::Error>()
                .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
            {
                return ExitCode::SUCCESS;
            }
            eprintln!("palisade: {err:#}");
            ExitCode::from(2)
        }
    }
}
