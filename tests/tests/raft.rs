//! `cargo test` wrappers for the Raft scenarios: one `#[test]` per registered
//! scenario, named after it, so `cargo test 2b` runs part 2B and
//! `cargo test figure8_2c -- --exact` runs one scenario.

macro_rules! scenarios {
    ($($name:ident),* $(,)?) => {
        $(
            #[test]
            fn $name() {
                tests::run_test(stringify!($name));
            }
        )*

        /// Every registered Raft scenario has a wrapper here, and no wrapper is stale.
        #[test]
        fn every_raft_scenario_has_a_wrapper() {
            let wrapped = [$(stringify!($name)),*];
            let registered: Vec<&str> = tests::registry()
                .iter()
                .filter(|s| s.part.name().starts_with('2'))
                .map(|s| s.name)
                .collect();
            assert_eq!(registered, wrapped);
        }
    };
}

scenarios!(
    initial_election_2a,
    reelection_2a,
    many_elections_2a,
    basic_agree_2b,
    rpc_bytes_2b,
    follower_failure_2b,
    leader_failure_2b,
    fail_agree_2b,
    fail_no_agree_2b,
    concurrent_starts_2b,
    rejoin_2b,
    backup_2b,
    count_2b,
    persist1_2c,
    persist2_2c,
    persist3_2c,
    figure8_2c,
    unreliable_agree_2c,
    figure8_unreliable_2c,
    reliable_churn_2c,
    unreliable_churn_2c,
    snapshot_basic_2d,
    snapshot_install_2d,
    snapshot_install_unreliable_2d,
    snapshot_install_crash_2d,
    snapshot_install_uncrash_2d,
    snapshot_all_crash_2d,
    snapshot_init_2d,
);
