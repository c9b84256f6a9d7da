//! The rules, each with the reason a student reads.

/// A rule of the labs that the compiler does not check.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Rule {
    /// No `static` item, `thread_local!` or other state shared by the whole
    /// process: it outlives a server's crash.
    ProcessWideState,
    /// No panic hooks, working directory or environment changes: they are
    /// process-wide too, and can carry state across a crash.
    ProcessSettings,
}

impl Rule {
    /// A short name.
    pub fn name(self) -> &'static str {
        match self {
            Rule::ProcessWideState => "process-wide state",
            Rule::ProcessSettings => "process settings",
        }
    }

    /// What the found item does wrong, after its name.
    pub fn explain(self) -> &'static str {
        match self {
            Rule::ProcessWideState => {
                "keeps process-wide state, which would survive a server's crash"
            }
            Rule::ProcessSettings => {
                "changes a setting of the whole process, which would survive a server's crash"
            }
        }
    }

    /// Why the rule exists, and what to do instead.
    pub fn reason(self) -> &'static str {
        match self {
            Rule::ProcessWideState | Rule::ProcessSettings => {
                "a crash loses everything a server did not persist: its next life starts from \
                 a fresh copy of your code, so a static, a thread-local or a process setting \
                 never carries state from one incarnation to the next, and code that counts on \
                 one fails the persistence tests after a restart. Keep state in your struct; \
                 save what must survive with ctx.persist and restore it in new from what you \
                 are given."
            }
        }
    }
}
