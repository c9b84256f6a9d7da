//! Your clerk (being written).

use labrpc::NodeId;

use crate::contract::{ClerkContext, KvClerk, Op};
use crate::server::Server;

/// A clerk.
pub struct Clerk;

impl KvClerk for Clerk {
    type Server = Server;

    fn new(_: &mut ClerkContext<'_, '_, Server>, _: Vec<NodeId>) -> Self {
        todo!("3A: create a clerk")
    }
    fn begin(&mut self, _: &mut ClerkContext<'_, '_, Server>, _: Op) {
        todo!("3A: start an operation")
    }
    fn handle_reply(
        &mut self,
        _: &mut ClerkContext<'_, '_, Server>,
        _: NodeId,
        _: (),
        _: Option<()>,
    ) {
        todo!("3A: handle a server's reply")
    }
    fn handle_timer(&mut self, _: &mut ClerkContext<'_, '_, Server>, _: u64) {
        todo!("3A: handle a timer")
    }
}
