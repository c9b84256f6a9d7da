// @solution-file
//! The log and the timeline of every registered scenario: each recorded run
//! renders, with a lane per server, every server's column in the log, each
//! message decoded, and applies in the 2B and 2C logs.

mod common;

use std::collections::BTreeSet;

use common::embedded_json;
use labrpc::TraceEvent;
use view::{LogOptions, Run};

#[test]
fn every_scenario_has_a_log_and_a_timeline() {
    for scenario in tester::registry() {
        let name = scenario.name;
        let report = scenario.run(1, true);
        assert!(report.passed(), "{name}: {}", report.explain());
        assert!(!report.records.is_empty(), "{name}: nothing recorded");
        let run = Run {
            test: name,
            seed: 1,
            servers: report.servers,
            names: &report.names,
            records: &report.records,
            failure: None,
        };

        // Every request is tagged with its topic by its protocol (the
        // reference's Raft says which RPC each is; kvraft tags clerk calls).
        for r in &report.records {
            if let TraceEvent::Send { message, topic, .. } = &r.event {
                assert!(topic.is_some(), "{name}: {message} has no topic");
            }
        }

        // Every message decodes: no payload prints as undecodable bytes.
        for r in &report.records {
            if let TraceEvent::Send { message, .. } | TraceEvent::Reply { message, .. } = &r.event {
                assert!(
                    !message.text().contains("do not decode"),
                    "{name}: {message}"
                );
            }
        }

        let html = view::timeline::html(&run);
        let data = embedded_json(&html);
        let lanes = data["lanes"].as_array().expect("lanes").len();
        assert!(
            lanes >= report.servers,
            "{name}: {lanes} lanes for {} servers",
            report.servers
        );
        assert!(html.contains("class=\"passed\""), "{name}");
        assert_eq!(data["records"], report.records.len(), "{name}");

        let log = view::log::render(&run, &LogOptions::default());
        let header = log
            .lines()
            .find(|l| l.trim_start().starts_with("time topic"))
            .unwrap_or_else(|| panic!("{name}: no column header in the log"));
        for server in 0..report.servers {
            let column = view::server_name(&report.names, server);
            assert!(
                header.contains(&column),
                "{name}: no column for server {server} ({column}) in {header:?}"
            );
        }
        // Every server did something on the record.
        let active: BTreeSet<usize> = report.records.iter().filter_map(|r| r.node).collect();
        assert!(
            (0..report.servers).all(|s| active.contains(&s)),
            "{name}: active nodes {active:?}"
        );
        if name.ends_with("_2b") || name.ends_with("_2c") {
            assert!(log.contains("apply "), "{name}: no applies in the log");
        }
    }
}
