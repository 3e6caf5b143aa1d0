//! The workbench's slow work, off the input thread: a loader thread that reads the whole
//! study while the first frame (drawn from a quick [`Glance`](gloss::study::Glance))
//! is on screen, a saver thread that owns the coder's journal writer (every change is
//! appended and fsynced there, then reported saved) and an indexer thread that owns the
//! search index (built or brought in step at start, then updated after each saved
//! change). All report back over one channel.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{Receiver, Sender, channel};
use std::thread::JoinHandle;

use gloss::coding::store::{CoderLock, JournalWriter, Op};
use gloss::project::Project;
use gloss::search::{PreparedUpdate, SearchIndex, SearchView, project_stamp};
use gloss::study::{DocumentRow, Study};

/// The whole study, read by the loader thread.
pub struct Loaded {
    pub study: Study,
    /// The coder's rows of the document list.
    pub rows: Vec<DocumentRow>,
    /// Span codings per code id, all coders.
    pub code_counts: std::collections::HashMap<String, usize>,
}

/// What the background threads tell the input thread.
pub enum Report {
    /// The whole study is read: it replaces the first look.
    Loaded(Box<Loaded>),
    /// The study could not be read; the message says why. Nothing can be saved.
    LoadFailed(String),
    /// Change `seq` is durably saved.
    Saved(u64),
    /// Change `seq` could not be saved; the message says why.
    SaveFailed(u64, String),
    /// The index is ready to search (after a build or catch-up at start).
    IndexReady(Box<SearchView>, Vec<String>),
    /// The index could not be opened or updated; search is unavailable or stale.
    IndexFailed(String),
    /// A saved change is now searchable.
    Indexed,
}

enum Job {
    Save {
        seq: u64,
        ops: Vec<Op>,
        update: PreparedUpdate,
    },
}

/// Handles to the two threads.
pub struct Background {
    saver: Option<Sender<Job>>,
    saver_thread: Option<JoinHandle<()>>,
    pub reports: Receiver<Report>,
    indexer_thread: Option<JoinHandle<()>>,
    /// Changes queued or being written (the watchdog waits for 0 before exiting).
    in_flight: Arc<AtomicUsize>,
}

impl Background {
    /// Starts the threads: the loader reading the study at `root` under the coder's
    /// `lock` (then handing the journal writer, compacting after `compact_after` lines if
    /// given, to the saver), the saver, and the indexer opening the project's index.
    pub fn start(lock: CoderLock, root: PathBuf, compact_after: Option<usize>) -> Background {
        let (report_tx, reports) = channel();
        let (index_tx, index_rx) = channel::<PreparedUpdate>();
        let (save_tx, save_rx) = channel::<Job>();
        let (writer_tx, writer_rx) = channel::<JournalWriter>();
        let saver_reports = report_tx.clone();
        let loader_reports = report_tx.clone();
        let in_flight = Arc::new(AtomicUsize::new(0));
        let saver_in_flight = Arc::clone(&in_flight);
        let loader_root = root.clone();
        let loaded = std::thread::Builder::new()
            .name("gloss-loader".into())
            .spawn(move || load(loader_root, lock, compact_after, writer_tx, loader_reports));
        if loaded.is_err() {
            let _ = report_tx.send(Report::LoadFailed("cannot start a thread".into()));
        }
        let saver_thread = std::thread::Builder::new()
            .name("gloss-saver".into())
            .spawn(move || save_loop(writer_rx, save_rx, saver_reports, index_tx, saver_in_flight))
            .ok();
        let indexer_thread = std::thread::Builder::new()
            .name("gloss-indexer".into())
            .spawn(move || index_loop(root, index_rx, report_tx))
            .ok();
        Background {
            saver: Some(save_tx),
            saver_thread,
            reports,
            indexer_thread,
            in_flight,
        }
    }

    /// The count of changes queued or being written, shared with the saver.
    pub fn in_flight(&self) -> Arc<AtomicUsize> {
        Arc::clone(&self.in_flight)
    }

    /// Queues a change; its [`Report::Saved`] follows once it is durable.
    pub fn save(&self, seq: u64, ops: Vec<Op>, update: PreparedUpdate) -> bool {
        self.in_flight.fetch_add(1, Ordering::SeqCst);
        let sent = self
            .saver
            .as_ref()
            .is_some_and(|s| s.send(Job::Save { seq, ops, update }).is_ok());
        if !sent {
            self.in_flight.fetch_sub(1, Ordering::SeqCst);
        }
        sent
    }

    /// Waits for every queued save to finish and the threads to end (the saver waits for
    /// the loader, if it is still reading). The indexer's pending updates are dropped if
    /// it is still building (the next start catches up).
    pub fn finish(&mut self) {
        self.saver = None;
        if let Some(t) = self.saver_thread.take() {
            let _ = t.join();
        }
        // The indexer ends when the saver (its only sender) is gone; an initial build may
        // still be running — leave it to the process exit rather than wait for it.
        drop(self.indexer_thread.take());
    }
}

impl Drop for Background {
    fn drop(&mut self) {
        self.finish();
    }
}

/// Reads the whole study, sends it, and hands the journal writer to the saver.
fn load(
    root: PathBuf,
    lock: CoderLock,
    compact_after: Option<usize>,
    writer: Sender<JournalWriter>,
    reports: Sender<Report>,
) {
    let coder = lock.coder().to_string();
    let report = match Project::open(&root).and_then(|p| Study::open_locked(p, lock)) {
        Ok((study, mut journal)) => {
            if let Some(n) = compact_after {
                journal.compact_after = n;
            }
            let _ = writer.send(journal);
            Report::Loaded(Box::new(Loaded {
                rows: study.document_rows(&coder),
                code_counts: super::app::code_counts(&study),
                study,
            }))
        }
        Err(e) => Report::LoadFailed(e.to_string()),
    };
    let _ = reports.send(report);
}

fn save_loop(
    writer: Receiver<JournalWriter>,
    jobs: Receiver<Job>,
    reports: Sender<Report>,
    index: Sender<PreparedUpdate>,
    in_flight: Arc<AtomicUsize>,
) {
    // No writer: the study could not be read (the loader said why); nothing is saved.
    let mut writer = writer.recv().ok();
    for job in jobs {
        match job {
            Job::Save { seq, ops, update } => {
                let report = match writer.as_mut().map(|w| w.apply(&ops)) {
                    Some(Ok(())) => {
                        let _ = index.send(update);
                        Report::Saved(seq)
                    }
                    Some(Err(e)) => Report::SaveFailed(seq, e.to_string()),
                    None => Report::SaveFailed(seq, "the project could not be read".into()),
                };
                in_flight.fetch_sub(1, Ordering::SeqCst);
                if reports.send(report).is_err() {
                    return;
                }
            }
        }
    }
}

fn index_loop(root: PathBuf, updates: Receiver<PreparedUpdate>, reports: Sender<Report>) {
    let mut index = match open_index(&root) {
        Ok(index) => index,
        Err(e) => {
            let _ = reports.send(Report::IndexFailed(e));
            return;
        }
    };
    let notices = std::mem::take(&mut index.notices);
    if reports
        .send(Report::IndexReady(Box::new(index.view()), notices))
        .is_err()
    {
        return;
    }
    for update in updates {
        let report = match index.apply_update(update) {
            Ok(_) => Report::Indexed,
            Err(e) => Report::IndexFailed(e.to_string()),
        };
        if reports.send(report).is_err() {
            return;
        }
    }
}

/// Opens the index and brings it in step with the project, loading the study only when
/// something changed since the index was last updated.
fn open_index(root: &std::path::Path) -> Result<SearchIndex, String> {
    let project = Project::open(root).map_err(|e| e.to_string())?;
    let mut index = SearchIndex::open(&project.derived_dir()).map_err(|e| e.to_string())?;
    let stamp = project_stamp(&project).map_err(|e| e.to_string())?;
    if !index.is_current(stamp) {
        let study = Study::open(project).map_err(|e| e.to_string())?;
        index
            .sync_stamped(&study, stamp)
            .map_err(|e| e.to_string())?;
    }
    Ok(index)
}
