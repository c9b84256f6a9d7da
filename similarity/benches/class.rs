//! A synthetic class of 300 submissions (each about 4,000 tokens over five
//! files, ten of them renamed copies of others) fingerprinted, indexed and
//! paired, with the overlap of every pair listed: what `grading class` does
//! for its similarity table.

use criterion::{Criterion, criterion_group, criterion_main};
use similarity::{Base, Document, Index, Params, overlap};

/// Five files of made-up Rust, each function a run of random expressions.
fn submission(seed: u64) -> Vec<(String, String)> {
    let mut x = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
    let mut next = move |m: u64| {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x % m
    };
    (0..5)
        .map(|f| {
            let mut text = String::new();
            for g in 0..8 {
                text.push_str(&format!(
                    "fn f{g}(a: u64, b: u64) -> u64 {{\n    let mut v = a;\n"
                ));
                for _ in 0..6 {
                    let mut expr = String::from("v");
                    for _ in 0..1 + next(3) {
                        let op = ["+", "-", "*", "/", "%", "^", "&", "|"][next(8) as usize];
                        expr = match next(3) {
                            0 => format!("({expr} {op} b)"),
                            1 => format!("g({expr}, a {op} 1)"),
                            _ => format!("[{expr}, a][(b {op} 2) as usize]"),
                        };
                    }
                    text.push_str(&format!("    v = {expr};\n"));
                }
                text.push_str("    v\n}\n");
            }
            (format!("raft/src/peer/file{f}.rs"), text)
        })
        .collect()
}

fn class() -> Vec<Vec<(String, String)>> {
    let mut class: Vec<Vec<(String, String)>> = (1..=290).map(submission).collect();
    for s in 1..=10u64 {
        let copy = submission(s * 7)
            .into_iter()
            .map(|(p, t)| (p, t.replace('v', "value").replace("a:", "x:")))
            .collect();
        class.push(copy);
    }
    class
}

fn benches(c: &mut Criterion) {
    let class = class();
    let tokens: usize = class
        .iter()
        .map(|s| Document::new(s, &Base::default(), Params::default()).all_tokens())
        .sum();
    eprintln!("{} submissions, {tokens} tokens in all", class.len());
    let mut group = c.benchmark_group("class of 300");
    group.sample_size(10);
    group.bench_function("fingerprint, index, pair", |b| {
        b.iter(|| {
            let docs: Vec<Document> = class
                .iter()
                .map(|s| Document::new(s, &Base::default(), Params::default()))
                .collect();
            let mut index = Index::new();
            for d in &docs {
                index.add(d, false);
            }
            let pairs = index.likely_pairs(30.0, 3, 75);
            pairs
                .iter()
                .map(|p| overlap(&docs[p.first], &docs[p.second]).shared)
                .sum::<usize>()
        })
    });
    group.finish();
}

criterion_group!(bench, benches);
criterion_main!(bench);
