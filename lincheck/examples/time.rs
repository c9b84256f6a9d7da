//! Times lincheck's check per data file, in the format of porcupine-bench's
//! `run` so the two can be compared side by side (`scripts/lincheck-vs-porcupine`):
//!
//! `cargo run --release -p lincheck --example time -- [--reps N] [--whole] [FILE...]`
//!
//! One TSV line per file and repetition:
//! `lincheck  file name  rep  check ms  verdict  steps  parse ms  -`.
//! Only the check is timed. `*.log` files are Jepsen etcd histories (register
//! model), other files kv histories (partitioned by key; `--whole`: one
//! history). Without files: every file of `lincheck/testdata`.

use std::path::{Path, PathBuf};
use std::time::Instant;

use lincheck::models::kv::Kv;
use lincheck::models::register::Register;
use lincheck::parse::{jepsen, kv};
use lincheck::{Outcome, Verdict};

const BUDGET: u64 = 50_000_000;

fn main() {
    let mut reps = 3;
    let mut whole = false;
    let mut files: Vec<PathBuf> = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--reps" => {
                reps = args
                    .next()
                    .and_then(|n| n.parse().ok())
                    .unwrap_or_else(|| fail("--reps takes a number"));
            }
            "--whole" => whole = true,
            "-h" | "--help" => {
                println!("time [--reps N] [--whole] [FILE...]");
                return;
            }
            _ => files.push(PathBuf::from(arg)),
        }
    }
    if files.is_empty() {
        let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata");
        for dir in ["jepsen", "kv"] {
            let mut found: Vec<PathBuf> = std::fs::read_dir(data.join(dir))
                .unwrap_or_else(|e| fail(&format!("{}: {e}", data.join(dir).display())))
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.is_file())
                .collect();
            found.sort();
            files.extend(found);
        }
    }
    for file in &files {
        let name = file
            .file_name()
            .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
        for rep in 1..=reps {
            let parse = Instant::now();
            let check: Box<dyn Fn() -> Outcome> = if name.ends_with(".log") {
                let history = jepsen::parse_file(file).unwrap_or_else(|e| fail(&e));
                Box::new(move || lincheck::check(&Register, &history, BUDGET).unwrap())
            } else {
                let history = kv::parse_file(file).unwrap_or_else(|e| fail(&e));
                let model = if whole { Kv::whole() } else { Kv::by_key() };
                Box::new(move || lincheck::check(&model, &history, BUDGET).unwrap())
            };
            let parse_ms = parse.elapsed().as_secs_f64() * 1e3;
            let start = Instant::now();
            let outcome = check();
            let check_ms = start.elapsed().as_secs_f64() * 1e3;
            let verdict = match outcome.verdict {
                Verdict::Linearizable => "Linearizable",
                Verdict::NotLinearizable => "NotLinearizable",
                Verdict::Unknown => "Unknown",
            };
            println!(
                "lincheck\t{name}\t{rep}\t{check_ms:.3}\t{verdict}\t{}\t{parse_ms:.3}\t-",
                outcome.steps
            );
        }
    }
}

fn fail(message: &str) -> ! {
    eprintln!("error: {message}");
    std::process::exit(2)
}
