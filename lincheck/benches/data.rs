//! Checking the public test data: all 102 Jepsen etcd histories (one figure,
//! as porcupine reports it) and each kv history, partitioned by key and whole.

use std::path::PathBuf;

use criterion::{Criterion, criterion_group, criterion_main};
use lincheck::check;
use lincheck::models::kv::Kv;
use lincheck::models::register::Register;
use lincheck::parse::{jepsen, kv};

const BUDGET: u64 = 50_000_000;

fn data(file: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("testdata")
        .join(file)
}

fn benches(c: &mut Criterion) {
    let etcd: Vec<_> = (0..=102)
        .filter(|&i| i != 95)
        .map(|i| jepsen::parse_file(&data(&format!("jepsen/etcd_{i:03}.log"))).unwrap())
        .collect();
    c.bench_function("etcd: all 102 histories", |b| {
        b.iter(|| {
            etcd.iter()
                .map(|h| check(&Register, h, BUDGET).unwrap().steps)
                .sum::<u64>()
        })
    });
    for name in [
        "c01-ok", "c01-bad", "c10-ok", "c10-bad", "c50-ok", "c50-bad",
    ] {
        let history = kv::parse_file(&data(&format!("kv/{name}.txt"))).unwrap();
        c.bench_function(&format!("kv {name} by key"), |b| {
            b.iter(|| check(&Kv::by_key(), &history, BUDGET).unwrap().steps)
        });
        c.bench_function(&format!("kv {name} whole"), |b| {
            b.iter(|| check(&Kv::whole(), &history, BUDGET).unwrap().steps)
        });
    }
}

criterion_group! {
    name = data_benches;
    config = Criterion::default().sample_size(10);
    targets = benches
}
criterion_main!(data_benches);
