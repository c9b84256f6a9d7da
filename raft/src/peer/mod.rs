//! Your Raft server (being written).

use crate::contract::{Persisted, Raft, RaftContext};

/// A Raft server.
pub struct Peer;

impl Raft for Peer {
    type Request = ();
    type Reply = ();
    type Timer = ();

    fn new(_: &mut RaftContext<'_, Self>, _: usize, _: usize, _: Persisted) -> Self {
        todo!("2A: create a Raft server")
    }
    fn start(&mut self, _: &mut RaftContext<'_, Self>, _: Vec<u8>) -> Option<(u64, u64)> {
        todo!("2B: start agreement on a command")
    }
    fn state(&self) -> (u64, bool) {
        todo!("2A: report the current term and whether this server is the leader")
    }
    fn snapshot(&mut self, _: &mut RaftContext<'_, Self>, _: u64, _: Vec<u8>) {
        todo!("2D: trim the log up to a snapshot")
    }
    fn handle_request(&mut self, _: &mut RaftContext<'_, Self>, _: usize, _: ()) {
        todo!("2A: handle an RPC request")
    }
    fn handle_reply(&mut self, _: &mut RaftContext<'_, Self>, _: usize, _: (), _: Option<()>) {
        todo!("2A: handle an RPC reply")
    }
    fn handle_timer(&mut self, _: &mut RaftContext<'_, Self>, _: ()) {
        todo!("2A: handle a timer")
    }
}
