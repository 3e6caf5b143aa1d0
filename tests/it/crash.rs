//! Crash safety: scripted coding (`gloss code --batch -`) is killed with SIGKILL at
//! random moments, hundreds of times — some kills land while a large coding file is
//! being compacted — and after each kill the coder's file must parse and hold every
//! change the process acknowledged (printed `ok LINE ID` after its fsync).

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use gloss::coding::anchor::Anchor;
use gloss::coding::store::{CoderFile, Op, coding_path, read_coder, render};
use gloss::coding::{Entry, SpanCoding, coding_key};
use gloss::corpus::Position;

use crate::common::{gloss_bin, new_project};

/// A small xorshift generator: reproducible from the printed seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

const WORDS: [&str; 8] = [
    "loss", "weights", "epoch", "NaN", "layer", "GPU", "paper", "port",
];

fn seed_large_file(dir: &std::path::Path, n: usize) {
    let mut file = CoderFile::new("crash");
    for i in 0..n {
        let coding = SpanCoding {
            id: format!("crash-{}", i + 1),
            doc: "transcripts/t".into(),
            start: Position::new(0, 0),
            end: Position::new(0, 4),
            code: "perf".into(),
            anchor: Anchor {
                quote: "loss".into(),
                before: String::new(),
                after: " weights".into(),
            },
            memo: Some(format!(
                "seeded memo {i} to make the file larger than a toy"
            )),
            star: false,
            batch: None,
            created: "2026-01-01T00:00:00Z".into(),
            modified: "2026-01-01T00:00:00Z".into(),
        };
        file.apply(Op::Put(Entry::Coding(coding)));
    }
    std::fs::write(coding_path(dir, "crash"), render(&file)).expect("seed");
}

#[test]
fn sigkill_at_random_moments_never_loses_an_acknowledged_coding() {
    let tmp = new_project();
    let root = tmp.path();
    let text = (0..400)
        .map(|i| WORDS[i % WORDS.len()])
        .collect::<Vec<_>>()
        .join(" ");
    std::fs::write(root.join("transcripts/t.txt"), format!("P1: {text}\n")).expect("transcript");
    std::fs::write(
        root.join("codebooks/c.yaml"),
        "codes:\n  - id: perf\n    name: Performance debugging\n  - id: port\n    name: Portability\n",
    )
    .expect("codebook");
    let coding_dir = root.join("coding");
    seed_large_file(&coding_dir, 20_000);

    let seed = std::env::var("GLOSS_CRASH_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(7, |d| d.as_nanos() as u64)
                | 1
        });
    eprintln!("crash test seed: GLOSS_CRASH_SEED={seed}");
    let mut rng = Rng(seed);
    let runs = std::env::var("GLOSS_CRASH_RUNS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(220);

    // id → quote of every acknowledged coding, across all runs.
    let mut acknowledged: BTreeMap<String, String> = BTreeMap::new();
    let mut killed_in_compaction = 0;
    let mut total_acks = 0;
    for run in 0..runs {
        // Every third run compacts on nearly every change, so kills land in compactions.
        let compact_after = if run % 3 == 0 {
            1 + rng.below(3)
        } else {
            20 + rng.below(200)
        };
        let mut child = Command::new(gloss_bin())
            .args(["code", "--batch", "-"])
            .current_dir(root)
            .env("GLOSS_CODER", "crash")
            .env("GLOSS_COMPACT_AFTER", compact_after.to_string())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn gloss");
        let mut stdin = child.stdin.take().expect("stdin");
        let mut quotes = Vec::new();
        let mut requests = String::new();
        for _ in 0..200 {
            let w = WORDS[rng.below(WORDS.len() as u64) as usize];
            let code = if rng.below(2) == 0 { "perf" } else { "port" };
            let occurrence = 1 + rng.below(50);
            requests.push_str(&format!(
                "{{\"doc\":\"transcripts/t\",\"turn\":1,\"quote\":\"{w}\",\"code\":\"{code}\",\"occurrence\":{occurrence}}}\n"
            ));
            quotes.push(w.to_string());
        }
        let writer = std::thread::spawn(move || {
            let _ = stdin.write_all(requests.as_bytes());
        });
        let stdout = child.stdout.take().expect("stdout");
        let (tx, rx) = mpsc::channel();
        let reader = std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let kill_after = rng.below(40) as usize;
        let mut acks = Vec::new();
        while acks.len() < kill_after {
            match rx.recv_timeout(Duration::from_secs(60)) {
                Ok(line) => acks.push(line),
                Err(_) => break,
            }
        }
        // A random extra delay puts the kill at an arbitrary instant: 0–3 ms after an
        // acknowledgement, or 0–150 ms in the runs that compact on every change (a
        // compaction of the 20k-coding file takes tens of milliseconds).
        let delay = if compact_after <= 3 {
            rng.below(150_000)
        } else {
            rng.below(3000)
        };
        std::thread::sleep(Duration::from_micros(delay));
        let _ = child.kill();
        let mut stderr = String::new();
        if let Some(mut e) = child.stderr.take() {
            use std::io::Read;
            let _ = e.read_to_string(&mut stderr);
        }
        let _ = child.wait();
        assert!(
            !stderr.contains("gloss:"),
            "run {run}: gloss failed: {stderr}"
        );
        let _ = reader.join();
        let _ = writer.join();
        acks.extend(rx.try_iter());
        if std::fs::read_dir(&coding_dir)
            .expect("coding dir")
            .flatten()
            .any(|e| {
                e.file_name()
                    .to_string_lossy()
                    .starts_with(".crash.jsonl.tmp")
            })
        {
            killed_in_compaction += 1;
        }
        for ack in &acks {
            let mut parts = ack.split_whitespace();
            assert_eq!(parts.next(), Some("ok"), "unexpected output {ack:?}");
            let line: usize = parts
                .next()
                .and_then(|n| n.parse().ok())
                .expect("line number");
            let id = parts.next().expect("id").to_string();
            acknowledged.insert(id, quotes[line - 1].clone());
        }
        total_acks += acks.len();

        let data = read_coder(&coding_dir, "crash")
            .unwrap_or_else(|e| panic!("run {run} (seed {seed}): coding file does not parse: {e}"));
        for (id, quote) in &acknowledged {
            match data.get(&coding_key(id)) {
                Some(Entry::Coding(c)) => {
                    assert_eq!(&c.anchor.quote, quote, "run {run}: coding {id} changed")
                }
                other => {
                    panic!("run {run} (seed {seed}): acknowledged coding {id} lost: {other:?}")
                }
            }
        }
        assert!(data.len() >= 20_000, "run {run}: seeded codings lost");
    }
    eprintln!(
        "crash test: {runs} kills, {total_acks} acknowledged codings kept, {killed_in_compaction} kills during a compaction"
    );
    assert!(total_acks > 0, "no coding was ever acknowledged");
    assert!(
        killed_in_compaction > 0,
        "no kill landed during a compaction; the test did not test it"
    );
}
