//! Both renderers on a small synthetic run: three servers and a clerk, an
//! election exchange, a partition with a dropped call, a crash and restart, a
//! student log line, a clerk request, and a failure.

mod common;

use common::embedded_json;
use labrpc::trace::NetChange;
use labrpc::{DropReason, Time, TraceEvent, TraceRecord};
use view::{LogOptions, Run, Topic};

const FAILURE: &str = "apply error: server 2 applied 7 at index 3, server 0 applied 9";

fn at(ms: u64, node: Option<usize>, event: TraceEvent) -> TraceRecord {
    TraceRecord {
        time: Time::from_millis(ms),
        node,
        incarnation: u32::from(node.is_some()),
        event,
    }
}

fn records() -> Vec<TraceRecord> {
    use TraceEvent::*;
    let vote = "RequestVote(RequestVoteArgs { term: 1, last_log_index: 0, last_log_term: 0 })";
    let mut r = vec![at(
        0,
        None,
        Network {
            change: NetChange::Reliable { on: true },
        },
    )];
    for n in 0..3 {
        r.push(at(0, Some(n), Start));
        r.push(at(
            0,
            Some(n),
            Status {
                text: "follower 0".into(),
            },
        ));
    }
    r.push(at(
        0,
        None,
        Tester {
            text: "Test (2A): synthetic </script><script>alert(1)".into(),
        },
    ));
    r.push(at(
        300,
        Some(0),
        Timer {
            timer: 1,
            tag: "Election".into(),
        },
    ));
    r.push(at(
        300,
        Some(0),
        Send {
            call: 1,
            to: 1,
            bytes: 4,
            message: vote.into(),
            topic: None,
        },
    ));
    r.push(at(
        300,
        Some(0),
        Status {
            text: "candidate 1".into(),
        },
    ));
    r.push(at(301, Some(1), Deliver { call: 1, from: 0 }));
    r.push(at(
        301,
        Some(1),
        Log {
            text: "[vote] term 1: vote for 0".into(),
        },
    ));
    r.push(at(
        301,
        Some(1),
        Reply {
            call: 1,
            to: 0,
            bytes: 3,
            message: "RequestVote(RequestVoteReply { term: 1, vote_granted: true })".into(),
        },
    ));
    r.push(at(
        302,
        Some(0),
        Return {
            call: 1,
            from: 1,
            ok: true,
        },
    ));
    r.push(at(
        302,
        Some(0),
        Status {
            text: "leader 1".into(),
        },
    ));
    r.push(at(
        400,
        None,
        Tester {
            text: "disconnect(2)".into(),
        },
    ));
    for (from, to) in [(2, 0), (0, 2), (2, 1), (1, 2)] {
        r.push(at(
            400,
            None,
            Network {
                change: NetChange::End {
                    from,
                    to,
                    enabled: false,
                },
            },
        ));
    }
    r.push(at(
        450,
        Some(0),
        Send {
            call: 2,
            to: 2,
            bytes: 6,
            message: "AppendEntries(AppendEntries { term: 1, entries: [] })".into(),
            topic: None,
        },
    ));
    r.push(at(
        460,
        None,
        Drop {
            call: 2,
            from: 0,
            to: 2,
            reason: DropReason::EndDisabled,
        },
    ));
    r.push(at(
        460,
        Some(0),
        Return {
            call: 2,
            from: 2,
            ok: false,
        },
    ));
    r.push(at(
        470,
        Some(1),
        Log {
            text: "commit_index 0 -> 1".into(),
        },
    ));
    r.push(at(
        470,
        Some(1),
        Output {
            text: "Command { index: 1, command: <8 bytes 0700000000000000> }".into(),
        },
    ));
    r.push(at(
        480,
        Some(1),
        Persist {
            state_bytes: 20,
            snapshot_bytes: 0,
        },
    ));
    r.push(at(500, Some(2), Crash));
    r.push(at(600, Some(2), Start));
    r.push(at(
        650,
        Some(3),
        Send {
            call: 3,
            to: 0,
            bytes: 9,
            message: "Kv(Request { op: Get { key: \"k\" } })".into(),
            topic: Some("client".into()),
        },
    ));
    r.push(at(
        700,
        None,
        Tester {
            text: format!("FAILED: {FAILURE}"),
        },
    ));
    r
}

fn run(records: &[TraceRecord]) -> Run<'_> {
    Run {
        test: "synthetic_2a",
        seed: 42,
        servers: 3,
        names: &[],
        records,
        failure: Some(FAILURE),
    }
}

/// The column where `needle` starts in the line containing it.
fn column_of(text: &str, needle: &str) -> usize {
    let line = text
        .lines()
        .find(|l| l.contains(needle))
        .unwrap_or_else(|| panic!("no line with {needle:?} in\n{text}"));
    line[..line.find(needle).unwrap()].chars().count()
}

#[test]
fn log_puts_each_node_in_its_column() {
    let records = records();
    let log = view::log::render(&run(&records), &LogOptions::default());
    let header = log.lines().nth(1).unwrap();
    assert!(header.contains("server 0") && header.contains("server 2"));
    assert!(header.contains("clerks"), "a column for clerks:\n{log}");
    // Sends in the caller's column, deliveries in the server's, student lines too.
    assert_eq!(column_of(&log, "→1 #1"), column_of(header, "server 0"));
    assert_eq!(column_of(&log, "←0 #1"), column_of(header, "server 1"));
    assert_eq!(
        column_of(&log, "term 1: vote for 0"),
        column_of(header, "server 1")
    );
    assert_eq!(column_of(&log, "c3 →0 #3"), column_of(header, "clerks"));
    // Shortened messages, virtual time stamps, topics.
    assert!(log.contains("RequestVoteArgs{term:1"), "{log}");
    assert!(log.contains("last_log_index:0 last_log_term:0}"), "{log}");
    let line = log.lines().find(|l| l.contains("→1 #1")).unwrap();
    assert!(line.starts_with("   0.300 vote"), "{line}");
    // A partition as groups, the drop marked, the apply decoded, the crash.
    assert!(log.contains("network: 0 1 | 2"), "{log}");
    assert!(log.contains("✗ #2 0→2 AppendEntries dropped:"), "{log}");
    assert!(log.contains("end disabled"), "{log}");
    assert!(log.contains("apply 1: 7"), "{log}");
    assert!(log.contains("CRASH"));
    // The failure closes the log; no colour unless asked.
    let last = log.lines().last().unwrap();
    assert!(last.starts_with("FAILED at 0.700: apply error"), "{last}");
    assert!(!log.contains('\x1b'));
}

#[test]
fn log_filters_by_server_and_topic() {
    let records = records();
    let only_1 = LogOptions {
        servers: vec![1],
        ..LogOptions::default()
    };
    let log = view::log::render(&run(&records), &only_1);
    let header = log.lines().nth(1).unwrap();
    assert!(header.contains("server 1") && !header.contains("server 0"));
    assert!(!header.contains("clerks"));
    assert!(log.contains("←0 #1"));
    assert!(
        !log.contains("→1 #1"),
        "server 0's send is filtered out:\n{log}"
    );
    assert!(!log.contains("c3 "));
    // Server 1 now has the first column.
    assert_eq!(column_of(&log, "←0 #1"), column_of(header, "server 1"));

    let votes = LogOptions {
        topics: vec![Topic::Vote],
        ..LogOptions::default()
    };
    let log = view::log::render(&run(&records), &votes);
    let body: Vec<&str> = log.lines().skip(2).collect();
    for line in &body[..body.len() - 1] {
        assert!(
            line.trim().is_empty() || line[9..].starts_with("vote") || line.starts_with("  "),
            "only vote lines: {line}"
        );
    }
    // Deliveries and returns take the topic of their call.
    assert!(log.contains("←0 #1") && log.contains("⇠1 #1 RequestVoteReply"));
    assert!(!log.contains("disconnect"));
    assert!(body.last().unwrap().starts_with("FAILED"));
}

#[test]
fn log_colours_by_topic_when_asked() {
    let records = records();
    let options = LogOptions {
        colour: true,
        ..LogOptions::default()
    };
    let log = view::log::render(&run(&records), &options);
    assert!(log.contains("\x1b[35m"), "votes in magenta");
    assert!(log.contains("\x1b[1;31m"), "faults in red");
}

#[test]
fn timeline_is_self_contained_and_embeds_the_run() {
    let records = records();
    let html = view::timeline::html(&run(&records));
    for external in [
        "http://", "https://", "src=", "<link", "@import", "url(", "//cdn",
    ] {
        assert!(!html.contains(external), "external reference {external:?}");
    }
    // Exactly the two script elements: the tester line cannot close one.
    assert_eq!(html.matches("</script>").count(), 2);
    let data = embedded_json(&html);
    assert_eq!(
        data["lanes"].as_array().unwrap().len(),
        4,
        "3 servers + clerks"
    );
    assert_eq!(data["records"], records.len());
    assert_eq!(data["calls"]["id"].as_array().unwrap().len(), 3);
    assert_eq!(data["failure"][0], 700_000);
    assert_eq!(data["failure"][1], FAILURE);
    let texts = data["text"].as_array().unwrap();
    assert!(
        texts
            .iter()
            .any(|t| t.as_str().unwrap().contains("vote_granted: true"))
    );
    assert!(
        texts
            .iter()
            .any(|t| t.as_str().unwrap().contains("</script><script>alert(1)"))
    );
    // Roles as bands: server 0 is a leader of term 1 from 302 ms.
    let bands = data["bands"].as_array().unwrap();
    assert!(
        bands
            .iter()
            .any(|b| b[0] == 0 && b[1] == 302_000 && b[3] == 2 && b[4] == 1)
    );
    // Server 2 is down between its crash and restart.
    assert!(
        bands
            .iter()
            .any(|b| b[0] == 2 && b[1] == 500_000 && b[2] == 600_000 && b[3] == 3)
    );
    // Server 2 is cut off from 0 and 1 from 400 ms.
    let conn = data["conn"].as_array().unwrap();
    assert!(
        conn.iter()
            .any(|c| c[0] == 2 && c[1] == 400_000 && c[3] == 0b100)
    );
    // The dropped call keeps its reason.
    let reasons = data["calls"]["reasons"].as_array().unwrap();
    let code = data["calls"]["dr"][1].as_u64().unwrap() as usize;
    assert_eq!(reasons[code], "end disabled");
}

#[test]
fn timeline_shows_the_failure_and_the_status_hooks() {
    let records = records();
    let html = view::timeline::html(&run(&records));
    assert!(html.contains("<div id=\"failure\" class=\"failure\""));
    assert!(html.contains("FAILED</b> at 0.700000 s: apply error: server 2 applied 7"));
    assert!(html.contains("id=\"status\""));
    assert!(html.contains("data-expected-lanes=\"4\""));
    assert!(html.contains("window.onerror"));
    assert!(html.contains("<canvas id=\"tl\">"));
    let passed = Run {
        failure: None,
        ..run(&records)
    };
    let html = view::timeline::html(&passed);
    assert!(html.contains("class=\"passed\""));
    assert_eq!(embedded_json(&html)["failure"], serde_json::Value::Null);
}

#[test]
fn log_shows_timers_stamps_every_line_keeps_a_window_and_folds_polls() {
    use TraceEvent::*;
    let mut records = vec![at(0, Some(0), Start), at(0, Some(1), Start)];
    let poll = || Tester {
        text: "one(): poll".into(),
    };
    records.push(at(
        10,
        Some(0),
        TimerSet {
            timer: 4,
            tag: "Election".into(),
            at: Time::from_millis(400),
        },
    ));
    records.push(at(
        20,
        Some(1),
        TimerSet {
            timer: 5,
            tag: "Heartbeat(1)".into(),
            at: Time::from_millis(120),
        },
    ));
    records.push(at(50, None, poll()));
    records.push(at(100, None, poll()));
    records.push(at(
        120,
        Some(1),
        Timer {
            timer: 5,
            tag: "Heartbeat(1)".into(),
        },
    ));
    records.push(at(150, None, poll()));
    records.push(at(200, Some(0), TimerCancel { timer: 4 }));
    records.push(at(
        250,
        Some(0),
        Log {
            text: "[vote] a line long enough to be wrapped in its column, and then some more words to be sure it wraps twice"
                .into(),
        },
    ));
    let run = Run {
        test: "timers",
        seed: 1,
        servers: 2,
        names: &[],
        records: &records,
        failure: None,
    };
    let log = view::log::render(&run, &LogOptions::default());
    assert!(log.contains("set timer #4 Election for 0.400"), "{log}");
    assert!(log.contains("timer #5 Heartbeat(1) fired"), "{log}");
    assert!(log.contains("cancel timer #4 Election"), "{log}");
    // Polls in a row print once, with their count; a line between them
    // starts a new count.
    assert_eq!(log.matches("one(): poll").count(), 2, "{log}");
    assert!(log.contains("one(): poll (×2, to 0.100)"), "{log}");
    // Every line after the header starts with its time, wrapped ones too.
    let body: Vec<&str> = log.lines().skip(2).collect();
    assert!(body.len() >= 8, "{log}");
    for line in &body {
        let stamp = &line[..8];
        assert!(
            stamp.trim().parse::<f64>().is_ok(),
            "a line without its time: {line:?}"
        );
    }
    let wrapped = body.iter().filter(|l| l.contains("  0.250 vote")).count();
    assert!(
        wrapped >= 2,
        "the long line wraps, each piece stamped:\n{log}"
    );
    // A window keeps what happened in it.
    let window = LogOptions {
        from: Some(Time::from_millis(110)),
        to: Some(Time::from_millis(210)),
        ..LogOptions::default()
    };
    let cut = view::log::render(&run, &window);
    assert!(
        cut.contains("fired") && cut.contains("cancel timer #4"),
        "{cut}"
    );
    assert!(
        !cut.contains("set timer") && !cut.contains("0.250"),
        "{cut}"
    );
}
