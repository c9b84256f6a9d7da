//! `cargo test` wrappers for the kvraft scenarios: one `#[test]` per registered
//! scenario, named after it, so `cargo test 3a` runs part 3A.

macro_rules! scenarios {
    ($($name:ident),* $(,)?) => {
        $(
            #[test]
            fn $name() {
                tests::run_test(stringify!($name));
            }
        )*

        /// Every registered kvraft scenario has a wrapper here, and no wrapper is stale.
        #[test]
        fn every_kvraft_scenario_has_a_wrapper() {
            let wrapped = [$(stringify!($name)),*];
            let registered: Vec<&str> = tests::registry()
                .iter()
                .filter(|s| s.part.name().starts_with('3'))
                .map(|s| s.name)
                .collect();
            assert_eq!(registered, wrapped);
        }
    };
}

scenarios!(
    basic_3a,
    speed_3a,
    concurrent_3a,
    unreliable_3a,
    unreliable_one_key_3a,
    one_partition_3a,
    many_partitions_one_client_3a,
    many_partitions_many_clients_3a,
    persist_one_client_3a,
    persist_concurrent_3a,
    persist_concurrent_unreliable_3a,
    persist_partition_3a,
    persist_partition_unreliable_3a,
    persist_partition_unreliable_linearizable_3a,
    snapshot_rpc_3b,
    snapshot_size_3b,
    speed_3b,
    snapshot_recover_3b,
    snapshot_recover_many_clients_3b,
    snapshot_unreliable_3b,
    snapshot_unreliable_recover_3b,
    snapshot_unreliable_recover_concurrent_partition_3b,
    snapshot_unreliable_recover_concurrent_partition_linearizable_3b,
);
