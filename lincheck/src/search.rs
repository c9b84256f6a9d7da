//! The search of one (sub-)history: Wing & Gong's backtracking over the
//! history's call and return events, with Lowe's memoisation of every
//! (set of linearized operations, state) already explored, as porcupine does it
//! (states are remembered by 128-bit fingerprint).

use hashbrown::HashTable;
use std::hash::Hash;

use xxhash_rust::xxh3::Xxh3Default;

use crate::bitset::Bitset;
use crate::model::{Model, Operation};

/// How the search of one part ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PartEnd {
    /// A linearization exists.
    Linearizable,
    /// None exists.
    NotLinearizable,
    /// The step budget ran out first.
    Unknown,
}

/// What the search of one part found.
#[derive(Clone, Debug)]
pub struct PartSearch {
    /// How it ended.
    pub end: PartEnd,
    /// The longest sequence of operations (indices into the part) linearized at
    /// once during the search.
    pub longest: Vec<usize>,
    /// An operation that could not be placed after `longest` although its
    /// return had been reached (index into the part).
    pub stuck: Option<usize>,
    /// Steps taken.
    pub steps: u64,
}

const NIL: usize = usize::MAX;

/// The history's events in time order, as a doubly linked list that the search
/// lifts operations out of and puts back into.
struct Events {
    next: Vec<usize>,
    prev: Vec<usize>,
    /// For each event: its operation, and whether it is the call.
    op: Vec<usize>,
    is_call: Vec<bool>,
    /// For each operation: its return event.
    ret_of: Vec<usize>,
    head: usize,
}

impl Events {
    fn new<I, O>(ops: &[&Operation<I, O>]) -> Events {
        let n = ops.len();
        // (time, calls before returns at equal times, operation) for each event.
        let mut order: Vec<(u64, u8, usize)> = Vec::with_capacity(2 * n);
        for (i, op) in ops.iter().enumerate() {
            order.push((op.call, 0, i));
            order.push((op.ret.unwrap_or(u64::MAX), 1, i));
        }
        order.sort_unstable();
        let head = 2 * n;
        let mut events = Events {
            next: vec![NIL; 2 * n + 1],
            prev: vec![NIL; 2 * n + 1],
            op: vec![0; 2 * n],
            is_call: vec![false; 2 * n],
            ret_of: vec![0; n],
            head,
        };
        let mut last = head;
        for (e, &(_, kind, i)) in order.iter().enumerate() {
            events.op[e] = i;
            events.is_call[e] = kind == 0;
            if kind == 1 {
                events.ret_of[i] = e;
            }
            events.next[last] = e;
            events.prev[e] = last;
            last = e;
        }
        events
    }

    fn unlink(&mut self, e: usize) {
        let (p, n) = (self.prev[e], self.next[e]);
        self.next[p] = n;
        if n != NIL {
            self.prev[n] = p;
        }
    }

    fn relink(&mut self, e: usize) {
        let (p, n) = (self.prev[e], self.next[e]);
        self.next[p] = e;
        if n != NIL {
            self.prev[n] = e;
        }
    }

    /// Takes call event `e` and its return out of the list.
    fn lift(&mut self, e: usize) {
        let r = self.ret_of[self.op[e]];
        self.unlink(e);
        self.unlink(r);
    }

    /// Puts call event `e` and its return back.
    fn unlift(&mut self, e: usize) {
        let r = self.ret_of[self.op[e]];
        self.relink(r);
        self.relink(e);
    }
}

/// The (linearized set, state) pairs already explored. Each pair is kept as
/// its hash, the state's fingerprint and the set's words in one shared arena:
/// no allocation per pair, and the table's own hash is the pair's (already
/// well mixed).
struct Memo {
    table: HashTable<(u64, u128, usize)>,
    arena: Vec<u64>,
}

impl Memo {
    fn new() -> Memo {
        Memo {
            table: HashTable::new(),
            arena: Vec::new(),
        }
    }

    /// Remembers (`set`, the state printed `print`); false if it was already.
    fn insert(&mut self, set: &Bitset, print: u128) -> bool {
        let words = set.words();
        let hash = set.hash() ^ (print as u64) ^ ((print >> 64) as u64).rotate_left(29);
        let arena = &self.arena;
        let known = self.table.find(hash, |&(h, p, at)| {
            h == hash && p == print && arena[at..at + words.len()] == *words
        });
        if known.is_some() {
            return false;
        }
        let at = self.arena.len();
        self.arena.extend_from_slice(words);
        self.table
            .insert_unique(hash, (hash, print, at), |&(h, _, _)| h);
        true
    }
}

/// A 128-bit fingerprint of a state. The memo keeps fingerprints instead of
/// states, so that it holds no copies of large states; two different states
/// share a fingerprint with probability about 2^-128 per pair.
fn fingerprint<S: Hash>(state: &S) -> u128 {
    let mut h = Xxh3Default::new();
    state.hash(&mut h);
    h.digest128()
}

/// The search of one part, which can stop when its budget runs out and later
/// go on from where it stopped with more budget: the memo, the stack and the
/// position are kept, so no step is taken twice.
pub struct Search<'h, M: Model> {
    model: &'h M,
    ops: Vec<&'h Operation<M::Input, M::Output>>,
    events: Events,
    state: M::State,
    linearized: Bitset,
    stack: Vec<(usize, M::State)>,
    seen: Memo,
    longest: Vec<usize>,
    stuck: Option<usize>,
    /// The stack is `longest` (nothing popped since it was recorded).
    at_longest: bool,
    /// The next event to try.
    e: usize,
    steps: u64,
    end: Option<PartEnd>,
}

impl<'h, M: Model> Search<'h, M> {
    /// A search of `ops` that has taken no step yet.
    pub fn new(model: &'h M, ops: Vec<&'h Operation<M::Input, M::Output>>) -> Self {
        let events = Events::new(&ops);
        let e = events.next[events.head];
        let linearized = Bitset::new(ops.len());
        Search {
            model,
            ops,
            events,
            state: model.init(),
            linearized,
            stack: Vec::new(),
            seen: Memo::new(),
            longest: Vec::new(),
            stuck: None,
            at_longest: false,
            e,
            steps: 0,
            end: None,
        }
    }

    /// Steps taken so far.
    pub fn steps(&self) -> u64 {
        self.steps
    }

    /// Goes on for at most `budget` more steps; what it has found so far
    /// (`Unknown` if it has not ended yet).
    pub fn resume(&mut self, budget: u64) -> PartSearch {
        let limit = self.steps.saturating_add(budget);
        while self.end.is_none() {
            if self.events.next[self.events.head] == NIL {
                self.end = Some(PartEnd::Linearizable);
                break;
            }
            if self.steps == limit {
                break;
            }
            self.steps += 1;
            self.step();
        }
        let end = self.end.unwrap_or(PartEnd::Unknown);
        PartSearch {
            end,
            longest: self.longest.clone(),
            stuck: if end == PartEnd::NotLinearizable {
                self.stuck
            } else {
                None
            },
            steps: self.steps,
        }
    }

    /// One move: place the operation whose call is at `e`, or meet a return
    /// and backtrack.
    fn step(&mut self) {
        let e = self.e;
        let i = self.events.op[e];
        if self.events.is_call[e] {
            let op = self.ops[i];
            let Some(next_state) = self.model.step(&self.state, &op.input, &op.output) else {
                self.e = self.events.next[e];
                return;
            };
            self.linearized.set(i);
            let print = fingerprint(&next_state);
            if !self.seen.insert(&self.linearized, print) {
                self.linearized.clear(i);
                self.e = self.events.next[e];
            } else {
                self.stack
                    .push((e, std::mem::replace(&mut self.state, next_state)));
                self.events.lift(e);
                if self.stack.len() > self.longest.len() {
                    self.longest = self.stack.iter().map(|&(c, _)| self.events.op[c]).collect();
                    self.stuck = None;
                    self.at_longest = true;
                }
                self.e = self.events.next[self.events.head];
            }
        } else {
            // The return of an operation not yet linearized: it cannot come later.
            if self.at_longest && self.stuck.is_none() {
                self.stuck = Some(i);
            }
            self.at_longest = false;
            let Some((call, previous)) = self.stack.pop() else {
                self.end = Some(PartEnd::NotLinearizable);
                return;
            };
            self.state = previous;
            self.linearized.clear(self.events.op[call]);
            self.events.unlift(call);
            self.e = self.events.next[call];
        }
    }
}
