//! Prints the column log of one run: `log <test> <seed> [servers,..] [topics,..]`.

use view::{LogOptions, Run, Topic};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.len() < 2 {
        eprintln!("usage: log <test> <seed> [servers,..|all] [topics,..]");
        std::process::exit(2);
    }
    let scenario = tester::find(&args[0]).unwrap_or_else(|e| panic!("{e}"));
    let seed: u64 = args[1].parse().expect("seed is a number");
    let list = |i: usize| -> Vec<String> {
        args.get(i)
            .filter(|a| *a != "all")
            .map(|a| a.split(',').map(str::to_string).collect())
            .unwrap_or_default()
    };
    let servers = list(2)
        .iter()
        .map(|s| s.parse().expect("a node id"))
        .collect();
    let topics = list(3)
        .iter()
        .map(|t| Topic::parse(t).unwrap_or_else(|e| panic!("{e}")))
        .collect();
    let report = scenario.run(seed, true);
    let failure = match &report.outcome {
        tester::Outcome::Passed => None,
        tester::Outcome::Failed { message, .. } => Some(message.as_str()),
    };
    let run = Run {
        test: scenario.name,
        seed,
        servers: report.servers,
        names: &[],
        records: &report.records,
        failure,
    };
    let colour = std::io::IsTerminal::is_terminal(&std::io::stdout());
    print!(
        "{}",
        view::log::render(
            &run,
            &LogOptions {
                servers,
                topics,
                colour,
                ..LogOptions::default()
            }
        )
    );
}
