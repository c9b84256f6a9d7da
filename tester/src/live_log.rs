//! [`LiveLog`]: a run's column log printed as the run goes (`grading run
//! --log`), so a run that never ends, or is stopped, still shows everything
//! it did up to that moment.

use std::cell::RefCell;
use std::io::Write;
use std::rc::Rc;

use labrpc::TraceRecord;
use labrpc::trace::TraceSink;
use view::LogOptions;
use view::log::Stream;

/// A column log written as records are made. Records made before the
/// scenario begins (its servers starting) wait until the header, which needs
/// the number of servers, is written.
#[derive(Clone)]
pub struct LiveLog {
    options: LogOptions,
    state: Rc<RefCell<Live>>,
}

struct Live {
    stream: Option<Stream>,
    early: Vec<TraceRecord>,
    out: Box<dyn Write>,
}

impl std::fmt::Debug for LiveLog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LiveLog")
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

impl LiveLog {
    /// A live log written to `out`.
    pub fn new(options: LogOptions, out: Box<dyn Write>) -> LiveLog {
        LiveLog {
            options,
            state: Rc::new(RefCell::new(Live {
                stream: None,
                early: Vec::new(),
                out,
            })),
        }
    }

    /// What the simulator hands each record to.
    pub fn sink(&self) -> TraceSink {
        let state = Rc::clone(&self.state);
        Box::new(move |record| {
            let mut live = state.borrow_mut();
            let live = &mut *live;
            match &mut live.stream {
                Some(stream) => {
                    let text = stream.push(record);
                    write(&mut live.out, &text);
                }
                None => live.early.push(record.clone()),
            }
        })
    }

    /// The scenario begins: `servers` servers (named `names`, where they
    /// have names), and clerks if `clerks`.
    pub fn begin(&self, test: &str, seed: u64, servers: usize, clerks: bool, names: &[String]) {
        let mut live = self.state.borrow_mut();
        let live = &mut *live;
        let clients = clerks
            && (self.options.servers.is_empty()
                || self.options.servers.iter().any(|&n| n >= servers));
        let mut stream =
            Stream::new(servers, clients, self.options.clone()).with_names(names.to_vec());
        let mut text = stream.header(&format!("{test} seed {seed}: {servers} servers"));
        for record in live.early.drain(..) {
            text.push_str(&stream.push(&record));
        }
        write(&mut live.out, &text);
        live.stream = Some(stream);
    }

    /// The run is over: the last lines, with the failure if it failed.
    pub fn finish(&self, failure: Option<&str>) {
        let mut live = self.state.borrow_mut();
        let live = &mut *live;
        if let Some(stream) = &mut live.stream {
            let text = stream.finish(failure);
            write(&mut live.out, &text);
        }
    }
}

/// Writes and flushes at once: the point is to show lines as they happen.
fn write(out: &mut Box<dyn Write>, text: &str) {
    if !text.is_empty() {
        let _ = out.write_all(text.as_bytes());
        let _ = out.flush();
    }
}
