//! Your key/value server (being written).

use labrpc::{NodeId, ReplyTo};
use raft::ApplyMsg;

use crate::contract::{KvContext, KvServer};

/// A key/value server.
pub struct Server;

impl KvServer for Server {
    type Raft = raft::Peer;
    type Request = ();
    type Reply = ();
    type Timer = ();

    fn new(
        _: &mut KvContext<'_, '_, Self>,
        _: usize,
        _: usize,
        _: Option<usize>,
        _: Vec<u8>,
    ) -> Self {
        todo!("3A: create a key/value server")
    }
    fn handle_request(
        &mut self,
        _: &mut KvContext<'_, '_, Self>,
        _: NodeId,
        _: (),
        _: ReplyTo,
    ) -> Option<()> {
        todo!("3A: handle a clerk's request")
    }
    fn handle_apply(&mut self, _: &mut KvContext<'_, '_, Self>, _: ApplyMsg) {
        todo!("3A: apply a committed operation")
    }
    fn handle_timer(&mut self, _: &mut KvContext<'_, '_, Self>, _: ()) {
        todo!("3A: handle a timer")
    }
}
