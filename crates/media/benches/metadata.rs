//! Metadata extraction time per file, against exiftool run the way Immich runs it: one
//! long-lived `exiftool -stay_open True -@ -` process answering `-json -n <file>` requests
//! (exiftool-vendored's protocol), over the same files in the same run.
//!
//! `cargo bench -p shoebox-media --bench metadata` (release profile). Environment:
//! `SHOEBOX_BENCH_CORPUS` (a folder, walked recursively; default: the shared corpus),
//! `SHOEBOX_BENCH_ROUNDS` (default 5). Every file we would accept as an image is read,
//! unreadable ones included, since both readers pay for rejecting them too. One untimed
//! round first warms the page cache and exiftool's lazily loaded Perl modules. CPU time is
//! user + system: getrusage for our reader (in this process), `/proc/<pid>/stat` for the
//! exiftool process; the Rust side of the pipe is reported apart.

#[path = "../tests/common/mod.rs"]
mod common;

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::time::{Duration, Instant};

use shoebox_media::{MediaKind, kind_by_name, read_metadata};

/// User + system CPU seconds of this process.
fn self_cpu() -> f64 {
    // SAFETY: getrusage only writes into the zeroed struct we pass.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) };
    let secs = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    secs(usage.ru_utime) + secs(usage.ru_stime)
}

/// User + system CPU seconds of a running child: RUSAGE_CHILDREN would count it only once
/// it has been waited for, and exiftool stays up for the whole run.
fn child_cpu(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).expect("/proc is readable");
    // The command name may hold spaces; the fields after it do not. utime and stime are
    // fields 14 and 15 of the line, the 12th and 13th after the name.
    let fields: Vec<&str> = stat[stat.rfind(')').expect("stat has a name") + 2..]
        .split(' ')
        .collect();
    let ticks: f64 = fields[11].parse::<f64>().unwrap() + fields[12].parse::<f64>().unwrap();
    // SAFETY: sysconf has no preconditions.
    ticks / unsafe { libc::sysconf(libc::_SC_CLK_TCK) } as f64
}

struct ExifTool {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
}

impl ExifTool {
    fn start() -> std::io::Result<Self> {
        let mut child = Command::new("exiftool")
            .args(["-stay_open", "True", "-@", "-"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            // Warnings for broken files would otherwise fill an undrained pipe and stall it.
            .stderr(Stdio::null())
            .spawn()?;
        let stdin = child.stdin.take().expect("piped stdin");
        let stdout = BufReader::new(child.stdout.take().expect("piped stdout"));
        Ok(Self {
            child,
            stdin,
            stdout,
        })
    }

    /// One request: the JSON exiftool prints for `path`.
    fn read(&mut self, path: &Path) -> String {
        writeln!(self.stdin, "-json\n-n\n{}\n-execute", path.display()).expect("exiftool is up");
        self.stdin.flush().expect("exiftool is up");
        let mut out = String::new();
        loop {
            let start = out.len();
            let n = self.stdout.read_line(&mut out).expect("exiftool answers");
            assert!(n > 0, "exiftool exited");
            if out[start..].trim_end() == "{ready}" {
                out.truncate(start);
                return out;
            }
        }
    }

    fn cpu(&self) -> f64 {
        child_cpu(self.child.id())
    }
}

impl Drop for ExifTool {
    fn drop(&mut self) {
        let _ = writeln!(self.stdin, "-stay_open\nFalse");
        let _ = self.stdin.flush();
        let _ = self.child.wait();
    }
}

fn extension(path: &Path) -> String {
    path.extension()
        .map_or_else(String::new, |e| e.to_string_lossy().to_lowercase())
}

#[derive(Default)]
struct Totals {
    cpu: f64,
    wall: Duration,
}

fn main() {
    // `cargo bench` passes `--bench`; any other argument is a filter we do not use.
    let corpus = std::env::var_os("SHOEBOX_BENCH_CORPUS").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus"),
        PathBuf::from,
    );
    if !corpus.is_dir() {
        println!("SKIP: corpus {} not found", corpus.display());
        return;
    }
    let rounds: u32 = std::env::var("SHOEBOX_BENCH_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5)
        .max(1);
    let mut files = common::files_under(&corpus);
    // READMEs and the like are not something either reader is asked about.
    files.retain(|f| {
        f.file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| kind_by_name(n) == Some(MediaKind::Image))
    });
    if files.is_empty() {
        println!("SKIP: no image files under {}", corpus.display());
        return;
    }
    let mut exiftool = match ExifTool::start() {
        Ok(e) => e,
        Err(e) => {
            println!("SKIP: exiftool does not run ({e}); apt-get install libimage-exiftool-perl");
            return;
        }
    };

    // Warm-up, and a check that both sides answer every file.
    let mut unreadable = Vec::new();
    for file in &files {
        if let Err(e) = read_metadata(file) {
            unreadable.push(format!("{} ({e})", file.display()));
        }
        let json: serde_json::Value =
            serde_json::from_str(&exiftool.read(file)).expect("exiftool answers JSON");
        assert!(json.is_array(), "{}: {json}", file.display());
    }

    let n = files.len();
    let (mut ours, mut theirs, mut driver) =
        (Totals::default(), Totals::default(), Totals::default());
    let mut per_file = vec![(Duration::ZERO, Duration::ZERO); n];
    for _ in 0..rounds {
        let (cpu0, start) = (self_cpu(), Instant::now());
        for (i, file) in files.iter().enumerate() {
            let t = Instant::now();
            let _ = std::hint::black_box(read_metadata(std::hint::black_box(file)));
            per_file[i].0 += t.elapsed();
        }
        ours.cpu += self_cpu() - cpu0;
        ours.wall += start.elapsed();

        let (cpu0, self0, start) = (exiftool.cpu(), self_cpu(), Instant::now());
        for (i, file) in files.iter().enumerate() {
            let t = Instant::now();
            std::hint::black_box(exiftool.read(file));
            per_file[i].1 += t.elapsed();
        }
        theirs.cpu += exiftool.cpu() - cpu0;
        theirs.wall += start.elapsed();
        driver.cpu += self_cpu() - self0;
    }

    let reads = f64::from(rounds) * n as f64;
    let us = |seconds: f64| seconds * 1e6 / reads;
    let (o_cpu, o_wall) = (us(ours.cpu), us(ours.wall.as_secs_f64()));
    let (e_cpu, e_wall) = (us(theirs.cpu), us(theirs.wall.as_secs_f64()));
    println!(
        "corpus: {} — {n} image files ({} unreadable by shoebox), {rounds} rounds, warm cache",
        corpus.display(),
        unreadable.len()
    );
    for f in &unreadable {
        println!("  unreadable: {f}");
    }
    println!("shoebox read_metadata: {o_cpu:.1} µs CPU/file, wall {o_wall:.1} µs/file");
    println!(
        "exiftool -stay_open -json -n: {e_cpu:.1} µs CPU/file in exiftool \
         (+ {:.1} µs in this process driving the pipe), wall {e_wall:.1} µs/file",
        us(driver.cpu)
    );
    println!("per format (wall µs/file, mean over rounds):");
    let mut by_ext: BTreeMap<String, (usize, Duration, Duration)> = BTreeMap::new();
    for (file, (o, e)) in files.iter().zip(&per_file) {
        let entry = by_ext.entry(extension(file)).or_default();
        entry.0 += 1;
        entry.1 += *o;
        entry.2 += *e;
    }
    for (ext, (count, o, e)) in &by_ext {
        let mean = |d: &Duration| d.as_secs_f64() * 1e6 / (f64::from(rounds) * *count as f64);
        println!(
            "  {ext:>5} ×{count:<3} shoebox {:>8.1}  exiftool {:>8.1}  ratio {:.4}x",
            mean(o),
            mean(e),
            o.as_secs_f64() / e.as_secs_f64()
        );
    }
    println!(
        "ratio shoebox/exiftool: {:.4}x CPU, {:.4}x wall; goal <= 0.05x",
        o_cpu / e_cpu,
        o_wall / e_wall
    );
}
