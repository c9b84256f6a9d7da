//! [`Topic`]: what a trace record is about, for filtering the log and colouring
//! the timeline. Messages and log lines are classified by the words in them, so
//! a student's own message types (`RequestVote`, `AppendEntries`, ...) and log
//! lines land under the right topic; a log line may also name its topic
//! explicitly with a `[topic]` prefix.

use std::fmt;

use labrpc::{TraceEvent, TraceRecord};
use serde::{Deserialize, Serialize};

/// What a record is about. Its name (as the command line and the timeline
/// take it) is the variant's in snake case.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    strum::EnumIter,
    strum::IntoStaticStr,
    strum::EnumString,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case", ascii_case_insensitive)]
pub enum Topic {
    /// Roles and terms: becoming candidate, leader, follower.
    Election,
    /// RequestVote traffic and vote decisions.
    Vote,
    /// AppendEntries traffic (heartbeats included) and log backtracking.
    Append,
    /// Commit index advancing.
    Commit,
    /// Commands applied (outputs).
    Apply,
    /// Persisted state.
    Persist,
    /// Snapshots taken, sent and installed.
    Snapshot,
    /// Clerk-server traffic (kvraft).
    Client,
    /// A sharded service's configurations: the controller making one, a
    /// group moving to the next (log lines prefixed `[config]`).
    Config,
    /// Other messages.
    Rpc,
    /// Timers firing.
    Timer,
    /// Crashes, restarts, partitions, drops, reliability changes.
    Fault,
    /// The tester's own actions and checks.
    Tester,
    /// Log lines that fit no other topic.
    Log,
}

impl Topic {
    /// Every topic, in order.
    pub fn all() -> impl Iterator<Item = Topic> {
        <Topic as strum::IntoEnumIterator>::iter()
    }

    /// The topic's name, as the command line takes it.
    pub fn name(self) -> &'static str {
        self.into()
    }

    /// Parses a topic name (case-insensitive), or says which names exist.
    pub fn parse(text: &str) -> Result<Topic, String> {
        text.trim().parse().map_err(|_| {
            let names: Vec<&str> = Topic::all().map(Topic::name).collect();
            format!(
                "unknown topic \"{text}\"; the topics are: {}",
                names.join(", ")
            )
        })
    }

    /// The topic of a request: the tag its protocol gave it when it was
    /// recorded ([`labrpc::Protocol::topic`]), or else the words of its
    /// printed form.
    pub fn of_request(tag: Option<&str>, text: &str) -> Topic {
        tag.and_then(|t| Topic::parse(t).ok())
            .unwrap_or_else(|| Topic::of_message(text))
    }

    /// The topic of a message, from the words of its printed form.
    pub fn of_message(text: &str) -> Topic {
        if contains_word(text, &["vote"]) {
            Topic::Vote
        } else if contains_word(text, &["snapshot"]) {
            Topic::Snapshot
        } else if contains_word(text, &["append", "heartbeat", "entries"]) {
            Topic::Append
        } else {
            Topic::Rpc
        }
    }

    /// The topic of a log line: an explicit `[topic]` prefix, or its words.
    pub fn of_line(text: &str) -> Topic {
        if let Some(rest) = text.strip_prefix('[')
            && let Some((name, _)) = rest.split_once(']')
            && let Ok(topic) = Topic::parse(name)
        {
            return topic;
        }
        let lower = text.to_ascii_lowercase();
        let has = |words: &[&str]| words.iter().any(|w| lower.contains(w));
        if has(&["snapshot"]) {
            Topic::Snapshot
        } else if has(&["commit"]) {
            Topic::Commit
        } else if has(&["vote"]) {
            Topic::Vote
        } else if has(&["leader", "candidate", "follower", "election", "term"]) {
            Topic::Election
        } else if has(&[
            "append",
            "entries",
            "backtrack",
            "conflict",
            "next_index",
            "match_index",
            "heartbeat",
        ]) {
            Topic::Append
        } else if has(&["appl"]) {
            Topic::Apply
        } else if has(&["persist"]) {
            Topic::Persist
        } else {
            Topic::Log
        }
    }

    /// The topic of a trace record.
    pub fn of(record: &TraceRecord) -> Topic {
        match &record.event {
            TraceEvent::Start
            | TraceEvent::Crash
            | TraceEvent::Network { .. }
            | TraceEvent::Drop { .. }
            | TraceEvent::Echo { .. } => Topic::Fault,
            TraceEvent::Send { message, topic, .. } => Topic::of_request(topic.as_deref(), message),
            TraceEvent::Reply { message, .. } => Topic::of_message(message),
            TraceEvent::Deliver { .. } | TraceEvent::Return { .. } => Topic::Rpc,
            TraceEvent::Timer { .. }
            | TraceEvent::TimerSet { .. }
            | TraceEvent::TimerCancel { .. } => Topic::Timer,
            TraceEvent::Persist { .. } => Topic::Persist,
            TraceEvent::Output { text } => {
                if text.starts_with("Snapshot") {
                    Topic::Snapshot
                } else {
                    Topic::Apply
                }
            }
            TraceEvent::Status { .. } => Topic::Election,
            TraceEvent::Log { text } => Topic::of_line(text),
            TraceEvent::Tester { .. } => Topic::Tester,
        }
    }
}

impl fmt::Display for Topic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Whether `text` contains any of `words` (case-insensitive).
fn contains_word(text: &str, words: &[&str]) -> bool {
    let lower = text.to_ascii_lowercase();
    words.iter().any(|w| lower.contains(w))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_tagged_by_its_protocol_takes_the_tag_over_its_words() {
        let text = "Kv(Request { op: Append { key: \"vote\" } })";
        assert_eq!(Topic::of_request(Some("client"), text), Topic::Client);
        assert_eq!(Topic::of_request(None, text), Topic::Vote);
        assert_eq!(
            Topic::of_request(Some("no such topic"), "AppendEntries(..)"),
            Topic::Append
        );
    }

    #[test]
    fn messages_and_lines_find_their_topics() {
        assert_eq!(
            Topic::of_message("RequestVote(RequestVoteArgs { term: 3 })"),
            Topic::Vote
        );
        assert_eq!(
            Topic::of_message("Raft(AppendEntries { term: 2, entries: [] })"),
            Topic::Append
        );
        assert_eq!(
            Topic::of_message("InstallSnapshot { last_included_index: 9 }"),
            Topic::Snapshot
        );
        assert_eq!(
            Topic::of_request(Some("client"), "Kv(Request { op: Get })"),
            Topic::Client
        );
        assert_eq!(Topic::of_message("Ping"), Topic::Rpc);
        assert_eq!(Topic::of_line("became leader of term 4"), Topic::Election);
        assert_eq!(Topic::of_line("commit_index 3 -> 7"), Topic::Commit);
        assert_eq!(Topic::of_line("[persist] saved 120 bytes"), Topic::Persist);
        assert_eq!(Topic::of_line("[nonsense] x"), Topic::Log);
        assert_eq!(Topic::parse("Vote"), Ok(Topic::Vote));
        assert!(
            Topic::parse("votes")
                .unwrap_err()
                .contains("the topics are")
        );
    }
}
