// @solution-file
// An independently written Raft (election and replication) in another style:
// test data for similarity/tests/variants.rs, never compiled.

use crate::prelude::*;

const TICK: Duration = Duration::from_millis(50);

#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum Msg {
    Vote { term: u64, last: (u64, u64) },
    Append { term: u64, prev: (u64, u64), batch: Vec<(u64, Vec<u8>)>, upto: u64 },
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum Ans {
    Vote { term: u64, yes: bool },
    Append { term: u64, ok: bool, hint: u64 },
}

#[derive(Debug, Clone)]
pub enum Tick {
    Clock,
}

enum Mode {
    Follow { since: Time },
    Campaign { since: Time, ballots: Vec<usize> },
    Lead { next: Vec<u64>, acked: Vec<u64> },
}

pub struct Node {
    id: usize,
    size: usize,
    term: u64,
    ballot: Option<usize>,
    entries: Vec<(u64, Vec<u8>)>,
    done: u64,
    given: u64,
    mode: Mode,
    patience: Duration,
}

impl Node {
    fn last(&self) -> (u64, u64) {
        let n = self.entries.len() as u64;
        (self.entries.last().map_or(0, |e| e.0), n)
    }

    fn term_of(&self, i: u64) -> u64 {
        if i == 0 { 0 } else { self.entries[(i - 1) as usize].0 }
    }

    fn save(&self, ctx: &mut RaftContext<'_, '_, Self>) {
        let bytes = raft::encode(&(self.term, self.ballot.map(|b| b as u64), &self.entries));
        ctx.persist(bytes);
    }

    fn step_down(&mut self, ctx: &mut RaftContext<'_, '_, Self>, term: u64) {
        if term > self.term {
            self.term = term;
            self.ballot = None;
            self.mode = Mode::Follow { since: ctx.now() };
            self.save(ctx);
        }
    }

    fn clock(&mut self, ctx: &mut RaftContext<'_, '_, Self>) {
        let now = ctx.now();
        let expired = match &self.mode {
            Mode::Follow { since } | Mode::Campaign { since, .. } => now - *since > self.patience,
            Mode::Lead { .. } => false,
        };
        if expired {
            self.term += 1;
            self.ballot = Some(self.id);
            self.patience = Duration::from_millis(ctx.rng().random_range(400..800));
            self.mode = Mode::Campaign { since: now, ballots: vec![self.id] };
            self.save(ctx);
            for p in 0..self.size {
                if p != self.id {
                    ctx.call(p, Msg::Vote { term: self.term, last: self.last() });
                }
            }
        }
        if matches!(self.mode, Mode::Lead { .. }) {
            for p in 0..self.size {
                if p != self.id {
                    self.push(ctx, p);
                }
            }
        }
        ctx.set_timer(TICK, Tick::Clock);
    }

    fn push(&mut self, ctx: &mut RaftContext<'_, '_, Self>, p: usize) {
        let Mode::Lead { next, .. } = &self.mode else { return };
        let from = next[p];
        let prev = (self.term_of(from - 1), from - 1);
        let batch = self.entries[(from - 1) as usize..].to_vec();
        ctx.call(p, Msg::Append { term: self.term, prev, batch, upto: self.done });
    }

    fn deliver(&mut self, ctx: &mut RaftContext<'_, '_, Self>) {
        while self.given < self.done {
            self.given += 1;
            let cmd = self.entries[(self.given - 1) as usize].1.clone();
            ctx.apply(ApplyMsg::Command { index: self.given, command: cmd });
        }
    }

    fn tally(&mut self, ctx: &mut RaftContext<'_, '_, Self>) {
        let Mode::Lead { acked, .. } = &self.mode else { return };
        let mut sorted = acked.clone();
        sorted[self.id] = self.entries.len() as u64;
        sorted.sort_unstable_by(|a, b| b.cmp(a));
        let quorum = sorted[self.size / 2];
        if quorum > self.done && self.term_of(quorum) == self.term {
            self.done = quorum;
            self.deliver(ctx);
        }
    }

    fn on_msg(&mut self, ctx: &mut RaftContext<'_, '_, Self>, from: usize, msg: Msg) -> Ans {
        match msg {
            Msg::Vote { term, last } => {
                self.step_down(ctx, term);
                let fresh = last >= self.last();
                let yes = term == self.term && fresh && self.ballot.is_none_or(|b| b == from);
                if yes {
                    self.ballot = Some(from);
                    self.mode = Mode::Follow { since: ctx.now() };
                    self.save(ctx);
                }
                Ans::Vote { term: self.term, yes }
            }
            Msg::Append { term, prev, batch, upto } => {
                self.step_down(ctx, term);
                if term < self.term {
                    return Ans::Append { term: self.term, ok: false, hint: 0 };
                }
                self.mode = Mode::Follow { since: ctx.now() };
                if prev.1 > self.entries.len() as u64 || self.term_of(prev.1) != prev.0 {
                    let hint = prev.1.min(self.entries.len() as u64);
                    return Ans::Append { term: self.term, ok: false, hint };
                }
                for (k, e) in batch.into_iter().enumerate() {
                    let at = prev.1 as usize + k;
                    match self.entries.get(at) {
                        Some(mine) if mine.0 == e.0 => {}
                        _ => {
                            self.entries.truncate(at);
                            self.entries.push(e);
                        }
                    }
                }
                self.save(ctx);
                self.done = self.done.max(upto.min(self.entries.len() as u64));
                self.deliver(ctx);
                Ans::Append { term: self.term, ok: true, hint: 0 }
            }
        }
    }

    fn on_ans(&mut self, ctx: &mut RaftContext<'_, '_, Self>, from: usize, sent: Msg, ans: Ans) {
        match (sent, ans) {
            (Msg::Vote { term, .. }, Ans::Vote { term: t, yes }) => {
                self.step_down(ctx, t);
                if let Mode::Campaign { ballots, .. } = &mut self.mode {
                    if yes && term == self.term && !ballots.contains(&from) {
                        ballots.push(from);
                    }
                    if 2 * ballots.len() > self.size {
                        let n = self.entries.len() as u64 + 1;
                        self.mode = Mode::Lead { next: vec![n; self.size], acked: vec![0; self.size] };
                    }
                }
            }
            (Msg::Append { term, prev, batch, .. }, Ans::Append { term: t, ok, hint }) => {
                self.step_down(ctx, t);
                if term != self.term {
                    return;
                }
                if let Mode::Lead { next, acked } = &mut self.mode {
                    if ok {
                        let high = prev.1 + batch.len() as u64;
                        acked[from] = acked[from].max(high);
                        next[from] = acked[from] + 1;
                    } else {
                        next[from] = (hint + 1).max(1);
                    }
                }
                self.tally(ctx);
            }
            _ => {}
        }
    }
}
