//! What recording the full trace costs, measured so that a noisy machine does
//! not decide the answer: `overhead <test> <seed> <pairs>` runs the scenario
//! with records off and on, alternating which goes first, and prints the
//! median of each and the median of the per-pair ratios. With a fourth
//! argument, `off` or `on`, it runs only that way and prints each run's wall
//! time in microseconds: a script can then alternate fresh processes, which is
//! how a replay runs. (`cargo bench -p view --bench trace_overhead` gives
//! criterion's view.)

use std::time::{Duration, Instant};

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if !(3..=4).contains(&args.len()) {
        eprintln!("usage: overhead <test> <seed> <pairs> [off|on]");
        std::process::exit(2);
    }
    let scenario = tester::find(&args[0]).unwrap_or_else(|e| panic!("{e}"));
    let seed: u64 = args[1].parse().expect("a seed");
    let pairs: usize = args[2].parse().expect("a number of pairs");
    let time = |record: bool| {
        let start = Instant::now();
        let report = scenario.run(seed, record);
        let wall = start.elapsed();
        (wall, report.records.len())
    };
    if let Some(mode) = args.get(3) {
        let record = mode == "on";
        for _ in 0..pairs {
            println!("{}", time(record).0.as_micros());
        }
        return;
    }
    let (mut off, mut on, mut ratios) = (Vec::new(), Vec::new(), Vec::new());
    let mut records = 0;
    for i in 0..pairs {
        let (a, b) = if i % 2 == 0 {
            let a = time(false);
            (a, time(true))
        } else {
            let b = time(true);
            (time(false), b)
        };
        records = b.1;
        off.push(a.0.as_secs_f64());
        on.push(b.0.as_secs_f64());
        ratios.push(b.0.as_secs_f64() / a.0.as_secs_f64());
    }
    let ms = |s: f64| Duration::from_secs_f64(s).as_secs_f64() * 1000.0;
    println!(
        "{} seed {seed}, {pairs} pairs: records off {:.2} ms, on {:.2} ms ({records} records); \
         median ratio {:.3} (+{:.1}%)",
        args[0],
        ms(median(off)),
        ms(median(on)),
        median(ratios.clone()),
        (median(ratios) - 1.0) * 100.0
    );
}
