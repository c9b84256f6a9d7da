//! Times one scenario with trace records off and on, many times, for profiling:
//! `overhead <test> <seed> <repetitions> <record: 0|1>`.

use std::time::Instant;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let scenario = tests::find(&args[0]).unwrap_or_else(|e| panic!("{e}"));
    let seed: u64 = args[1].parse().expect("seed");
    let reps: u32 = args[2].parse().expect("repetitions");
    let record = args[3] == "1";
    let start = Instant::now();
    let mut records = 0;
    for _ in 0..reps {
        records = scenario.run(seed, record).records.len();
    }
    let each = start.elapsed() / reps;
    println!(
        "{} record={record}: {each:?} per run, {records} records",
        args[0]
    );
}
