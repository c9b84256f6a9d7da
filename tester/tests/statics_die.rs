// @solution-file
//! A crash discards everything a server did not persist, by construction: its
//! next life is a fresh WebAssembly instance, whose memory starts as the
//! module's. A Raft that counts its lives in a `static` (which the source
//! check refuses; this test builds it without that check) counts one life in
//! each of them, through every crash of a 2C scenario.

use std::path::Path;

use labrpc::TraceEvent;

/// Copies the workspace at `from` to `to`, leaving out what is not source.
fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name();
        if name == "target" || name == ".git" {
            continue;
        }
        let path = entry.path();
        if path.is_dir() {
            copy_tree(&path, &to.join(&name));
        } else {
            std::fs::copy(&path, to.join(&name)).unwrap();
        }
    }
}

#[test]
fn a_static_does_not_survive_a_crash() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let work = root.join("target/statics-die");
    let tree = work.join("tree");
    let _ = std::fs::remove_dir_all(&tree);
    copy_tree(root, &tree);
    let peer = tree.join("raft/src/peer/mod.rs");
    let code = std::fs::read_to_string(&peer).unwrap();
    let at = "    ) -> Self {\n";
    assert!(code.contains(at), "Peer::new's signature moved");
    let counted = code.replacen(
        at,
        &format!(
            "{at}        static LIVES: std::sync::atomic::AtomicU64 = \
             std::sync::atomic::AtomicU64::new(0);\n        \
             let lives = LIVES.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;\n        \
             ctx.log(format_args!(\"lives counted in a static: {{lives}}\"));\n"
        ),
        1,
    );
    std::fs::write(&peer, counted).unwrap();
    // The dependencies this tree's own module was built with are lent: the
    // patched tree compiles its own crates alone.
    wasmhost::build::lend_module_dependencies(
        root,
        &root.join("target/guest"),
        &work.join("build"),
    )
    .unwrap();
    let module = wasmhost::build::build_module(&tree, &work.join("build")).unwrap();
    assert!(wasmhost::build::load_cached(&module).unwrap().install());

    // The registry's scenario, whose servers run the module installed above
    // (the first installed is every guest's).
    let scenario = tester::find("persist1_2c").unwrap();
    let report = scenario.run(1, true);
    assert!(report.passed(), "{}", report.explain());
    let counts: Vec<&str> = report
        .records
        .iter()
        .filter_map(|r| match &r.event {
            TraceEvent::Log { text } => text.strip_prefix("lives counted in a static: "),
            _ => None,
        })
        .collect();
    let lives = report
        .records
        .iter()
        .filter(|r| r.node.is_some_and(|n| n < report.servers))
        .map(|r| (r.node, r.incarnation))
        .collect::<std::collections::BTreeSet<_>>();
    assert!(
        lives.len() > report.servers,
        "the scenario restarted no server: {lives:?}"
    );
    assert_eq!(counts.len(), lives.len(), "one count per life: {counts:?}");
    assert!(counts.iter().all(|&c| c == "1"), "{counts:?}");
}
