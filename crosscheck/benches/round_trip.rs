//! One handler's round trip through the boundary: `start` on a follower (it
//! answers at once that it does not lead), asked of the reference Raft through
//! the guest's glue in this process, and through wasmtime.
//!
//! `cargo bench -p crosscheck --bench round_trip`

use std::path::Path;

use criterion::{Criterion, criterion_group, criterion_main};
use labrpc::guest::{Ask, Asked, Moment, RngState};
use raft::guest::{RaftCall, RaftSetup};
use wasmhost::{Backend, InProcess, Wasm};

/// The reference's nodes, natively.
type Reference = guest::Tree<raft::Peer, kvraft::Clerk, shardctrler::Clerk, shardkv::Clerk>;

fn new_server() -> Ask {
    Ask {
        at: Moment {
            now_us: 0,
            recording: false,
        },
        asked: Asked::New {
            kind: "raft".into(),
            me: 0,
            incarnation: 1,
            rng: RngState::of(&labrpc::seed::derive(1, 1 << 32)),
            state: Vec::new(),
            snapshot: Vec::new(),
            setup: labrpc::encode(&RaftSetup { peers: 3 }),
        },
    }
}

fn start() -> Ask {
    Ask {
        at: Moment {
            now_us: 1_000,
            recording: false,
        },
        asked: Asked::Invoke {
            call: labrpc::encode(&RaftCall::Start(vec![7; 16])),
        },
    }
}

fn round_trip(c: &mut Criterion) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let module = wasmhost::build::build_module(root, &root.join("target/guest")).unwrap();
    wasmhost::build::load_cached(&module).unwrap().install();
    let ask = start();
    let (mut glued, _) = InProcess::<Reference>::create(&new_server()).unwrap();
    c.bench_function("start on a follower, through the glue in-process", |b| {
        b.iter(|| glued.ask(&ask).unwrap())
    });
    let (mut wasm, _) = <Wasm>::create(&new_server()).unwrap();
    c.bench_function("start on a follower, through wasmtime", |b| {
        b.iter(|| wasm.ask(&ask).unwrap())
    });
    c.bench_function("a new server's instance, through wasmtime", |b| {
        b.iter(|| <Wasm>::create(&new_server()).unwrap())
    });
}

criterion_group!(benches, round_trip);
criterion_main!(benches);
