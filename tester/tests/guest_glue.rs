//! The glue between a server in a WebAssembly guest and the simulator changes
//! nothing a run does: every Raft scenario, run with the reference behind the
//! guest's glue (in this process, asks and answers encoded as across the
//! boundary), makes the same trace, bit for bit, as the reference run directly.

use raft::Peer;
use raft::node::RaftNode;
use wasmhost::{GuestRaft, InProcess};

#[test]
fn the_reference_behind_the_guest_glue_makes_the_same_runs() {
    let native = tester::raft::scenarios::<Peer>();
    let glued = tester::raft::scenarios::<GuestRaft<InProcess<RaftNode<Peer>>>>();
    assert_eq!(native.len(), glued.len());
    let mut compared = 0;
    for (n, g) in native.iter().zip(&glued) {
        assert_eq!(n.name, g.name);
        for seed in 1..=2 {
            let (a, b) = (n.run(seed, false), g.run(seed, false));
            assert!(a.passed(), "{} seed {seed}: {}", n.name, a.explain());
            assert_eq!(
                (a.trace_digest, a.events, a.rpcs, a.bytes),
                (b.trace_digest, b.events, b.rpcs, b.bytes),
                "{} seed {seed}: the glued run differs\n{}",
                n.name,
                b.explain()
            );
            compared += 1;
        }
    }
    assert!(compared >= 60, "{compared} runs compared");
}

/// The same, through WebAssembly: the reference compiled to the guest module
/// and run by wasmtime makes the same traces as the reference run natively,
/// when computation is free (natively, nothing counts instructions).
#[test]
fn the_reference_in_webassembly_makes_the_same_runs() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let module = wasmhost::build::build_module(&root, &root.join("target/guest")).unwrap();
    wasmhost::build::load_cached(&module).unwrap().install();
    let native = tester::raft::scenarios::<Peer>();
    let guest = tester::raft::scenarios::<GuestRaft<wasmhost::Wasm>>();
    let free_computation = labrpc::Costs {
        instruction_rate: 0,
        ..labrpc::Costs::LAB
    };
    for (n, g) in native.iter().zip(&guest) {
        for seed in 1..=2 {
            let a = n.run_with_costs(seed, free_computation);
            let b = g.run_with_costs(seed, free_computation);
            assert!(b.passed(), "{} seed {seed}: {}", g.name, b.explain());
            assert_eq!(
                (a.trace_digest, a.events, a.rpcs, a.bytes),
                (b.trace_digest, b.events, b.rpcs, b.bytes),
                "{} seed {seed}: the run in WebAssembly differs",
                n.name,
            );
        }
    }
}
