// @solution-file
//! The glue between a node in a WebAssembly guest and the simulator changes
//! nothing a run does: every scenario of every lab, run
//! with the reference behind the guest's glue (in this process, asks and
//! answers encoded as across the boundary, or compiled to the module and run
//! by wasmtime), makes the same trace, bit for bit, as the reference run
//! natively, when computation is free (natively, nothing counts instructions).

use std::path::Path;

use kvraft::world::{KvWorld, Native};
use labrpc::Costs;
use shardctrler::CtrlerOps;
use shardkv::world::ShardWorld;
use tester::registry::Scenario;
use wasmhost::{Backend, GuestKv, GuestRaft, GuestShard, InProcess, Wasm};

/// Every scenario, for Raft `R`, kv world `K`, controller world `C` and 4B
/// world `S`.
/// The reference's nodes, natively.
type Reference = guest::Tree<raft::Peer, kvraft::Clerk, shardctrler::Clerk, shardkv::Clerk>;

fn scenarios<R: raft::Raft, K: KvWorld, C: KvWorld<CtrlerOps>, S: ShardWorld>() -> Vec<Scenario> {
    let mut all = tester::raft::scenarios::<R>();
    all.extend(tester::kv::scenarios::<K>());
    all.extend(tester::shardctrler::scenarios::<C>());
    all.extend(tester::shardkv::scenarios::<S>());
    all
}

fn through<B: Backend>() -> Vec<Scenario> {
    scenarios::<GuestRaft<B>, GuestKv<B>, GuestKv<B, CtrlerOps>, GuestShard<B>>()
}

/// Runs every scenario on seeds 1 and 2 natively and through `guest`, and
/// compares the runs.
fn same_runs(guest: &[Scenario], how: &str) {
    let native = scenarios::<
        raft::Peer,
        Native<kvraft::Clerk>,
        Native<shardctrler::Clerk>,
        shardkv::world::Native<shardkv::Clerk, shardctrler::Clerk>,
    >();
    assert_eq!(native.len(), guest.len());
    let free_computation = Costs {
        instruction_rate: 0,
        ..Costs::LAB
    };
    let mut compared = 0;
    for (n, g) in native.iter().zip(guest) {
        assert_eq!(n.name, g.name);
        for seed in 1..=2 {
            let a = n.run_with_costs(seed, free_computation);
            let b = g.run_with_costs(seed, free_computation);
            assert!(a.passed(), "{} seed {seed}: {}", n.name, a.explain());
            assert_eq!(
                (a.trace_digest, a.events, a.rpcs, a.bytes),
                (b.trace_digest, b.events, b.rpcs, b.bytes),
                "{} seed {seed}: the run {how} differs\n{}",
                n.name,
                b.explain()
            );
            compared += 1;
        }
    }
    assert!(compared >= 190, "{compared} runs compared");
}

#[test]
fn the_reference_behind_the_guest_glue_makes_the_same_runs() {
    same_runs(&through::<InProcess<Reference>>(), "behind the glue");
}

#[test]
fn the_reference_in_webassembly_makes_the_same_runs() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let module = wasmhost::build::build_module(&root, &root.join("target/guest")).unwrap();
    wasmhost::build::load_cached(&module).unwrap().install();
    same_runs(&through::<Wasm>(), "in WebAssembly");
}
