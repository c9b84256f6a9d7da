//! The search of one (sub-)history: Wing & Gong's backtracking over the
//! history's call and return events, with Lowe's memoisation of every
//! (set of linearized operations, state) already explored, as porcupine does it
//! (states are remembered by 128-bit fingerprint).

use std::collections::HashMap;
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

/// A 128-bit fingerprint of a state. The memo keeps fingerprints instead of
/// states, so that it holds no copies of large states; two different states
/// share a fingerprint with probability about 2^-128 per pair.
fn fingerprint<S: Hash>(state: &S) -> u128 {
    let mut h = Xxh3Default::new();
    state.hash(&mut h);
    h.digest128()
}

/// Searches for a linearization of `ops`, taking at most `budget` steps.
pub fn search<M: Model>(
    model: &M,
    ops: &[&Operation<M::Input, M::Output>],
    budget: u64,
) -> PartSearch {
    let n = ops.len();
    let mut events = Events::new(ops);
    let mut state = model.init();
    let mut linearized = Bitset::new(n);
    let mut stack: Vec<(usize, M::State)> = Vec::new();
    let mut seen: HashMap<u64, Vec<(Bitset, u128)>> = HashMap::new();
    let mut longest: Vec<usize> = Vec::new();
    let mut stuck = None;
    // The stack is `longest` (nothing popped since it was recorded).
    let mut at_longest = false;
    let mut steps = 0u64;
    let mut e = events.next[events.head];
    let end = loop {
        if events.next[events.head] == NIL {
            break PartEnd::Linearizable;
        }
        if steps == budget {
            break PartEnd::Unknown;
        }
        steps += 1;
        let i = events.op[e];
        if events.is_call[e] {
            let op = ops[i];
            if let Some(next_state) = model.step(&state, &op.input, &op.output) {
                linearized.set(i);
                let print = fingerprint(&next_state);
                let key = linearized.hash() ^ print as u64;
                let bucket = seen.entry(key).or_default();
                if bucket.iter().any(|(l, p)| *p == print && *l == linearized) {
                    linearized.clear(i);
                    e = events.next[e];
                } else {
                    bucket.push((linearized.clone(), print));
                    stack.push((e, std::mem::replace(&mut state, next_state)));
                    events.lift(e);
                    if stack.len() > longest.len() {
                        longest = stack.iter().map(|&(c, _)| events.op[c]).collect();
                        stuck = None;
                        at_longest = true;
                    }
                    e = events.next[events.head];
                }
            } else {
                e = events.next[e];
            }
        } else {
            // The return of an operation not yet linearized: it cannot come later.
            if at_longest && stuck.is_none() {
                stuck = Some(i);
            }
            at_longest = false;
            let Some((call, previous)) = stack.pop() else {
                break PartEnd::NotLinearizable;
            };
            state = previous;
            linearized.clear(events.op[call]);
            events.unlift(call);
            e = events.next[call];
        }
    };
    PartSearch {
        end,
        longest,
        stuck: if end == PartEnd::NotLinearizable {
            stuck
        } else {
            None
        },
        steps,
    }
}
