//! `labrpc::encode` against postcard's own `to_allocvec` (which grows its
//! buffer as it writes), side by side: one small log entry (a term and a
//! 40-byte command, as a Raft that encodes its log entry by entry encodes
//! each), and AppendEntries-like messages of 100 and 10,000 such entries.

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Entry {
    term: u64,
    #[serde(with = "serde_bytes")]
    command: Vec<u8>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Append {
    term: u64,
    leader: u64,
    prev_log_index: u64,
    prev_log_term: u64,
    entries: Vec<Entry>,
    leader_commit: u64,
}

fn entry(i: u64) -> Entry {
    Entry {
        term: i / 100 + 1,
        command: vec![i as u8; 40],
    }
}

fn append(n: u64) -> Append {
    Append {
        term: 7,
        leader: 1,
        prev_log_index: 12_345,
        prev_log_term: 6,
        entries: (0..n).map(entry).collect(),
        leader_commit: 12_000,
    }
}

fn grow_as_you_go<T: Serialize>(value: &T) -> Vec<u8> {
    postcard::to_allocvec(value).unwrap()
}

fn codec(c: &mut Criterion) {
    let mut group = c.benchmark_group("encode");
    let one = entry(3);
    group.throughput(Throughput::Elements(1));
    group.bench_function(BenchmarkId::new("labrpc", "entry"), |b| {
        b.iter(|| labrpc::encode(std::hint::black_box(&one)))
    });
    group.bench_function(BenchmarkId::new("to_allocvec", "entry"), |b| {
        b.iter(|| grow_as_you_go(std::hint::black_box(&one)))
    });
    for n in [100, 10_000] {
        let message = append(n);
        group.throughput(Throughput::Elements(n));
        let name = format!("append_{n}");
        group.bench_function(BenchmarkId::new("labrpc", &name), |b| {
            b.iter(|| labrpc::encode(std::hint::black_box(&message)))
        });
        group.bench_function(BenchmarkId::new("to_allocvec", &name), |b| {
            b.iter(|| grow_as_you_go(std::hint::black_box(&message)))
        });
    }
    group.finish();
}

criterion_group!(benches, codec);
criterion_main!(benches);
