//! The Raft tester (parts 2A-2D): the cluster harness, its checks, the 28
//! scenarios of 6.824's Raft tests and raftlab's own (`extra_*`), generic over
//! any [`raft::Raft`].

pub mod adversary;
pub mod checker;
pub mod config;
pub mod extra_2a;
pub mod extra_2b;
pub mod extra_2c;
pub mod extra_2d;
pub mod part_2a;
pub mod part_2b;
pub mod part_2c;
pub mod part_2d;
pub mod storm;
pub mod tasks;

use raft::Raft;

use crate::registry::{Part, Scenario};

macro_rules! scenario {
    ($module:ident :: $name:ident, $part:ident, $points:expr, $title:expr) => {
        scenario!($module::$name, $part, $points, $title, Mit6824)
    };
    ($module:ident :: $name:ident, $part:ident, $points:expr, $title:expr, $suite:ident) => {
        Scenario {
            name: stringify!($name),
            part: Part::$part,
            points: $points,
            title: $title,
            suite: jobwire::Suite::$suite,
            run: $module::$name::<R>,
            rebuild: crate::crash_check::rebuild_raft::<R>,
        }
    };
}

/// The Raft scenarios, run against implementation `R`: 6.824's 28, each part's
/// followed by raftlab's own.
pub fn scenarios<R: Raft>() -> Vec<Scenario> {
    vec![
        scenario!(
            part_2a::initial_election_2a,
            A2,
            5,
            "Test (2A): initial election"
        ),
        scenario!(
            part_2a::reelection_2a,
            A2,
            5,
            "Test (2A): election after network failure"
        ),
        scenario!(
            part_2a::many_elections_2a,
            A2,
            5,
            "Test (2A): multiple elections"
        ),
        scenario!(
            extra_2a::stale_heartbeats_echoed_2a,
            A2,
            5,
            "raftlab (2A): a deposed leader's heartbeats arrive again",
            Raftlab
        ),
        scenario!(
            extra_2a::stale_vote_requests_echoed_2a,
            A2,
            5,
            "raftlab (2A): an earlier election's RequestVotes arrive again",
            Raftlab
        ),
        scenario!(
            extra_2a::stale_vote_replies_echoed_2a,
            A2,
            5,
            "raftlab (2A): an earlier election's votes arrive again",
            Raftlab
        ),
        scenario!(
            extra_2a::term_from_replies_2a,
            A2,
            5,
            "raftlab (2A): a candidate hears higher terms only in replies",
            Raftlab
        ),
        scenario!(
            extra_2a::deposed_by_replies_2a,
            A2,
            5,
            "raftlab (2A): a leader hears higher terms only in replies",
            Raftlab
        ),
        scenario!(
            extra_2a::stale_storm_elections_2a,
            A2,
            5,
            "raftlab (2A): leaders cut off one after another in a storm of stale calls",
            Raftlab
        ),
        scenario!(
            extra_2a::stale_storm_many_elections_2a,
            A2,
            5,
            "raftlab (2A): seven servers losing three at random in a storm of stale calls",
            Raftlab
        ),
        scenario!(part_2b::basic_agree_2b, B2, 5, "Test (2B): basic agreement"),
        scenario!(part_2b::rpc_bytes_2b, B2, 5, "Test (2B): RPC byte count"),
        scenario!(
            part_2b::follower_failure_2b,
            B2,
            5,
            "Test (2B): test progressive failure of followers"
        ),
        scenario!(
            part_2b::leader_failure_2b,
            B2,
            5,
            "Test (2B): test failure of leaders"
        ),
        scenario!(
            part_2b::fail_agree_2b,
            B2,
            5,
            "Test (2B): agreement after follower reconnects"
        ),
        scenario!(
            part_2b::fail_no_agree_2b,
            B2,
            5,
            "Test (2B): no agreement if too many followers disconnect"
        ),
        scenario!(
            part_2b::concurrent_starts_2b,
            B2,
            5,
            "Test (2B): concurrent Start()s"
        ),
        scenario!(
            part_2b::rejoin_2b,
            B2,
            5,
            "Test (2B): rejoin of partitioned leader"
        ),
        scenario!(
            part_2b::backup_2b,
            B2,
            10,
            "Test (2B): leader backs up quickly over incorrect follower logs"
        ),
        scenario!(
            part_2b::count_2b,
            B2,
            5,
            "Test (2B): RPC counts aren't too high"
        ),
        scenario!(
            extra_2b::stale_append_replies_echoed_2b,
            B2,
            5,
            "raftlab (2B): a leader's acknowledgements of an earlier term arrive again",
            Raftlab
        ),
        scenario!(
            extra_2b::stale_storm_backup_2b,
            B2,
            5,
            "raftlab (2B): backing up over conflicting logs in a storm of stale calls",
            Raftlab
        ),
        scenario!(
            extra_2b::late_shorter_append_2b,
            B2,
            5,
            "raftlab (2B): a late AppendEntries carries less than the follower holds",
            Raftlab
        ),
        scenario!(
            extra_2b::deposed_leader_stands_again_2b,
            B2,
            5,
            "raftlab (2B): a deposed leader is the only server that can win",
            Raftlab
        ),
        scenario!(part_2c::persist1_2c, C2, 5, "Test (2C): basic persistence"),
        scenario!(part_2c::persist2_2c, C2, 5, "Test (2C): more persistence"),
        scenario!(
            part_2c::persist3_2c,
            C2,
            5,
            "Test (2C): partitioned leader and one follower crash, leader restarts"
        ),
        scenario!(part_2c::figure8_2c, C2, 10, "Test (2C): Figure 8"),
        scenario!(
            part_2c::unreliable_agree_2c,
            C2,
            5,
            "Test (2C): unreliable agreement"
        ),
        scenario!(
            part_2c::figure8_unreliable_2c,
            C2,
            10,
            "Test (2C): Figure 8 (unreliable)"
        ),
        scenario!(part_2c::reliable_churn_2c, C2, 5, "Test (2C): churn"),
        scenario!(
            part_2c::unreliable_churn_2c,
            C2,
            10,
            "Test (2C): unreliable churn"
        ),
        scenario!(
            extra_2c::vote_survives_restart_2c,
            C2,
            5,
            "raftlab (2C): a vote survives a crash",
            Raftlab
        ),
        scenario!(
            extra_2c::candidate_vote_survives_restart_2c,
            C2,
            5,
            "raftlab (2C): a candidate's vote for itself survives a crash",
            Raftlab
        ),
        scenario!(
            extra_2c::figure8_exact_2c,
            C2,
            5,
            "raftlab (2C): the Figure 8 sequence, step by step",
            Raftlab
        ),
        scenario!(
            extra_2c::hostile_churn_2c,
            C2,
            5,
            "raftlab (2C): churn on a network that delays and duplicates",
            Raftlab
        ),
        scenario!(
            extra_2c::hostile_figure8_2c,
            C2,
            5,
            "raftlab (2C): Figure 8 on a network that delays and duplicates",
            Raftlab
        ),
        scenario!(
            extra_2c::stale_storm_figure8_2c,
            C2,
            5,
            "raftlab (2C): Figure 8 in a storm of stale calls",
            Raftlab
        ),
        scenario!(
            extra_2c::far_behind_unreliable_2c,
            C2,
            5,
            "raftlab (2C): a follower 1,000 entries behind catches up on an unreliable network",
            Raftlab
        ),
        scenario!(
            part_2d::snapshot_basic_2d,
            D2,
            5,
            "Test (2D): snapshots basic"
        ),
        scenario!(
            part_2d::snapshot_install_2d,
            D2,
            5,
            "Test (2D): install snapshots (disconnect)"
        ),
        scenario!(
            part_2d::snapshot_install_unreliable_2d,
            D2,
            10,
            "Test (2D): install snapshots (disconnect+unreliable)"
        ),
        scenario!(
            part_2d::snapshot_install_crash_2d,
            D2,
            5,
            "Test (2D): install snapshots (crash)"
        ),
        scenario!(
            part_2d::snapshot_install_uncrash_2d,
            D2,
            10,
            "Test (2D): install snapshots (unreliable+crash)"
        ),
        scenario!(
            part_2d::snapshot_all_crash_2d,
            D2,
            5,
            "Test (2D): crash and restart all servers"
        ),
        scenario!(
            part_2d::snapshot_init_2d,
            D2,
            5,
            "Test (2D): snapshot initialization after crash"
        ),
        scenario!(
            extra_2d::snapshot_older_than_commit_2d,
            D2,
            5,
            "raftlab (2D): a late snapshot older than what the follower applied",
            Raftlab
        ),
        scenario!(
            extra_2d::snapshot_keeps_following_entries_2d,
            D2,
            5,
            "raftlab (2D): a late snapshot keeps the entries after it",
            Raftlab
        ),
        scenario!(
            extra_2d::snapshot_one_past_commit_2d,
            D2,
            5,
            "raftlab (2D): a snapshot one entry past the follower's commit index",
            Raftlab
        ),
        scenario!(
            extra_2d::hostile_snapshots_2d,
            D2,
            5,
            "raftlab (2D): snapshots and crashes on a network that delays and duplicates",
            Raftlab
        ),
    ]
}
