//! The crash check's messages: a server's restart as a run saw it
//! ([`Restart`]), and the same server built again from its persisted bytes
//! alone, in a fresh process ([`Rebuilt`]). A crash must lose everything that
//! was not persisted, so the two must agree; state kept in a `static`, a
//! thread-local or anything else that outlives a server's incarnation in one
//! process shows up as a difference.

use std::process::Command;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::{Key, WireError, child};

/// One restart of one server during a run.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Restart {
    /// The scenario.
    pub test: String,
    /// The run's seed.
    pub seed: u64,
    /// The restarted server.
    pub server: usize,
    /// How many servers the scenario runs.
    pub servers: usize,
    /// The incarnation that started (2 for the first restart).
    pub incarnation: u32,
    /// Virtual time of the restart, in microseconds.
    pub at_us: u64,
    /// The Raft state its persister held when it restarted.
    #[serde(with = "hex::serde")]
    pub state: Vec<u8>,
    /// The snapshot its persister held.
    #[serde(with = "hex::serde")]
    pub snapshot: Vec<u8>,
    /// `max_raft_state` of a kvraft scenario (None: no snapshots, or Raft alone).
    pub max_raft_state: Option<usize>,
    /// The `(current_term, is_leader)` the restarted server reported once built.
    pub reported: (u64, bool),
}

/// What the fresh build of a restarted server reported.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rebuilt {
    /// The scenario (as in the request).
    pub test: String,
    /// The seed (as in the request).
    pub seed: u64,
    /// The server (as in the request).
    pub server: usize,
    /// The incarnation (as in the request).
    pub incarnation: u32,
    /// Its `(current_term, is_leader)`, or why it could not be built or asked.
    pub state: Result<(u64, bool), String>,
}

impl Rebuilt {
    /// Seals the message with `key`.
    pub fn seal(&self, key: &Key) -> Vec<u8> {
        crate::seal(
            key,
            &serde_json::to_vec(self).expect("a rebuild message serialises"),
        )
    }

    /// Opens a frame sealed with `key`, for the build of `restart` only.
    pub fn open(key: &Key, frame: &[u8], restart: &Restart) -> Result<Rebuilt, WireError> {
        let payload = crate::open(key, frame)?;
        let message: Rebuilt =
            serde_json::from_slice(payload).map_err(|e| WireError::Malformed(e.to_string()))?;
        if (
            &message.test,
            message.seed,
            message.server,
            message.incarnation,
        ) != (
            &restart.test,
            restart.seed,
            restart.server,
            restart.incarnation,
        ) {
            return Err(WireError::WrongJob);
        }
        Ok(message)
    }
}

impl Restart {
    /// The crash check of this restart: `command` (a harness's `rebuild`
    /// command, its environment and limits set by the caller) builds the
    /// server again in a fresh process, given a fresh key and this restart on
    /// stdin; its sealed answer must agree with what the run saw
    /// ([`Restart::compare`]).
    pub fn check(
        &self,
        command: Command,
        timeout: Duration,
        max_stderr: usize,
    ) -> Result<(), String> {
        let key = Key::fresh()?;
        let request = serde_json::to_vec(self).expect("a restart serialises");
        let ended = child::run(command, &key, &request, timeout, max_stderr)?;
        let rebuilt = if ended.frame.is_empty() || ended.frame_cut {
            Err(ended.why(timeout).1)
        } else {
            Rebuilt::open(&key, &ended.frame, self)
                .map(|m| m.state)
                .unwrap_or_else(|e| Err(format!("its result did not open: {e}")))
        };
        self.compare(&rebuilt)
    }

    /// The verdict of the crash check on this restart, given the fresh build's
    /// state: `Ok` if they agree, else the message naming the server, both terms
    /// and the rule.
    pub fn compare(&self, rebuilt: &Result<(u64, bool), String>) -> Result<(), String> {
        let (term, leader) = self.reported;
        match rebuilt {
            Ok(fresh) if *fresh == self.reported => Ok(()),
            Ok((fresh_term, fresh_leader)) => Err(format!(
                "server {server} restarted (incarnation {inc}, at virtual time {at}) in term {term}{lead}, \
                 but built from its persisted state alone it starts in term {fresh_term}{fresh_lead}: \
                 state outside the persister survived the crash (a crash must lose everything that \
                 was not persisted: no static, thread-local or file may carry state from one \
                 incarnation to the next)",
                server = self.server,
                inc = self.incarnation,
                at = Micros(self.at_us),
                lead = if leader { " as leader" } else { "" },
                fresh_lead = if *fresh_leader { " as leader" } else { "" },
            )),
            Err(why) => Err(format!(
                "server {server} (incarnation {inc}, restarted at virtual time {at}) could not be \
                 built again from its persisted state alone in a fresh process: {why}",
                server = self.server,
                inc = self.incarnation,
                at = Micros(self.at_us),
            )),
        }
    }
}

/// Virtual microseconds printed as seconds with millisecond precision.
struct Micros(u64);

impl std::fmt::Display for Micros {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}.{:03}s",
            self.0 / 1_000_000,
            self.0 % 1_000_000 / 1000
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn restart() -> Restart {
        Restart {
            test: "persist1_2c".into(),
            seed: 7,
            server: 2,
            servers: 3,
            incarnation: 3,
            at_us: 4_250_000,
            state: vec![1, 2, 255],
            snapshot: Vec::new(),
            max_raft_state: None,
            reported: (5, false),
        }
    }

    #[test]
    fn agreeing_builds_pass_and_differing_ones_name_server_terms_and_rule() {
        let r = restart();
        assert_eq!(r.compare(&Ok((5, false))), Ok(()));
        let e = r.compare(&Ok((0, false))).unwrap_err();
        assert!(e.contains("server 2 restarted (incarnation 3, at virtual time 4.250s) in term 5"));
        assert!(e.contains("from its persisted state alone it starts in term 0"));
        assert!(e.contains("state outside the persister survived the crash"));
        let e = r.compare(&Err("panicked: boom".into())).unwrap_err();
        assert!(e.contains("could not be built again") && e.contains("boom"));
    }

    #[test]
    fn a_rebuild_opens_only_for_its_own_restart() {
        let key = Key([9; crate::KEY_LEN]);
        let r = restart();
        let answer = Rebuilt {
            test: r.test.clone(),
            seed: r.seed,
            server: r.server,
            incarnation: r.incarnation,
            state: Ok((5, false)),
        };
        let frame = answer.seal(&key);
        assert_eq!(Rebuilt::open(&key, &frame, &r), Ok(answer));
        let other = Restart {
            incarnation: 4,
            ..r.clone()
        };
        assert_eq!(
            Rebuilt::open(&key, &frame, &other),
            Err(WireError::WrongJob)
        );
        let json = serde_json::to_string(&r).unwrap();
        assert!(json.contains("\"0102ff\""), "bytes travel as hex: {json}");
        assert_eq!(serde_json::from_str::<Restart>(&json).unwrap(), r);
    }
}
