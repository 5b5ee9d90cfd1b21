// The timeline with 100,000 assets in Chromium: time from navigation to the
// first thumbnails shown, and the JS heap after scrolling through the whole
// timeline. Goals: first thumbnails ≤ 1 s, heap ≤ 150 MB. Not a test (not
// run by test.sh): `scripts/bench-web.sh` runs it.
//
// One real photo is uploaded and processed; the other assets are copies of
// its rows written straight into the SQLite database (as tests/benches/
// timeline.rs does): new ids, checksums and dates, the same thumbnail files.
// Dates: 2,000 in June 2024, the rest over ten years from 2014.
//
// Env: BENCH_ASSETS (default 100000), BENCH_RUNS (page loads timed, default 5),
// and harness.mjs's SHOEBOX_BIN, SHOEBOX_WEB_DIR.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { api, base, jobsSettle, markProcessed, page, signUpAndSignIn, startApp, stopApp, token, uploadByApi, work } from './harness.mjs';

const N = Number(process.env.BENCH_ASSETS ?? 100_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const MB = 1024 * 1024;

function generate(templateId, n) {
  const db = new DatabaseSync(join(work, 'data', 'shoebox.db'));
  db.exec('PRAGMA busy_timeout = 10000');
  const columns = (table) => db.prepare(`PRAGMA table_info(${table})`).all().map((c) => c.name);
  // Minutes since 2014-01-01 for copy i: the first 2,000 every 20 minutes from
  // 2024-06-01, the rest spread over ten years (the Rust bench's pattern).
  const when = `CASE WHEN n.i < 2000 THEN datetime('2024-06-01', '+' || (n.i * 20) || ' minutes')
                ELSE datetime('2014-01-01', '+' || ((n.i * 52561) % (10 * 365 * 24 * 60)) || ' minutes') END`;
  const iso = `strftime('%Y-%m-%dT%H:%M:%S.000', ${when})`;
  const newId = `lower(printf('%08x-0000-4000-8000-%012x', n.i, n.i))`;
  const assetOverrides = {
    id: newId,
    checksum: `randomblob(20)`,
    original_path: `original_path || '.' || n.i`,
    original_file_name: `'IMG_' || n.i || '.jpg'`,
    device_asset_id: `'bench-' || n.i`,
    file_created_at: `${iso} || 'Z'`,
    file_modified_at: `${iso} || 'Z'`,
    local_date_time: iso,
  };
  const exifOverrides = { asset_id: newId, date_time_original: `${iso} || 'Z'` };
  const select = (table, overrides) =>
    columns(table)
      .map((c) => overrides[c] ?? c)
      .join(', ');
  const range = `WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < ${n - 1})`;
  db.exec('BEGIN');
  db.prepare(
    `${range} INSERT INTO assets (${columns('assets').join(', ')}) SELECT ${select('assets', assetOverrides)} FROM assets, n WHERE assets.id = ?`,
  ).run(templateId);
  db.prepare(
    `${range} INSERT INTO asset_exif (${columns('asset_exif').join(', ')}) SELECT ${select('asset_exif', exifOverrides)} FROM asset_exif, n WHERE asset_id = ?`,
  ).run(templateId);
  db.prepare(
    `${range} INSERT INTO asset_files (${columns('asset_files').join(', ')}) SELECT ${select('asset_files', { asset_id: newId })} FROM asset_files, n WHERE asset_id = ?`,
  ).run(templateId);
  db.exec('COMMIT');
  db.close();
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function heapMB(cdp) {
  await cdp.send('HeapProfiler.collectGarbage');
  await cdp.send('HeapProfiler.collectGarbage');
  const { usedSize } = await cdp.send('Runtime.getHeapUsage');
  return usedSize / MB;
}

await startApp();
try {
  await signUpAndSignIn();
  const bearer = await token();
  const photo = join(work, 'bench.jpg');
  execFileSync('ffmpeg', ['-loglevel', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=size=1200x800', '-frames:v', '1', photo]);
  await uploadByApi(bearer, photo);
  await jobsSettle(bearer);
  markProcessed();
  const [template] = (await api('POST', '/search/metadata', bearer, {})).assets.items;

  let t = performance.now();
  generate(template.id, N - 1);
  console.log(`generated ${N - 1} asset copies in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  t = performance.now();
  const buckets = await api('GET', '/timeline/buckets?visibility=timeline', bearer);
  const total = buckets.reduce((s, b) => s + b.count, 0);
  assert.equal(total, N);
  console.log(`/timeline/buckets: ${buckets.length} months, ${total} assets, ${(performance.now() - t).toFixed(0)} ms (first call)`);

  let bucketRequests = 0;
  page.on('request', (r) => /\/timeline\/bucket\?/.test(r.url()) && (bucketRequests += 1));

  // Time to first thumbnails: performance.now() in the page counts from the
  // navigation's start; polled every animation frame.
  const firsts = [];
  let requestsAtFirst = 0;
  for (let run = 0; run < RUNS; run++) {
    await page.goto('about:blank');
    bucketRequests = 0;
    await page.goto(base + '/photos', { waitUntil: 'commit' });
    const ms = await page.waitForFunction(
      () => {
        const img = document.querySelector('[data-asset-id] img');
        return img && img.complete && img.naturalWidth > 0 ? performance.now() : 0;
      },
      null,
      { polling: 'raf', timeout: 30_000 },
    );
    firsts.push(await ms.jsonValue());
    requestsAtFirst = bucketRequests;
  }
  console.log(
    `first thumbnails: median ${median(firsts).toFixed(0)} ms (runs: ${firsts.map((x) => x.toFixed(0)).join(', ')}); ` +
      `month buckets fetched by then: ${requestsAtFirst} of ${buckets.length}`,
  );

  const cdp = await page.context().newCDPSession(page);
  await page.waitForTimeout(500);
  const loadedHeap = await heapMB(cdp);

  // Scroll through everything two viewports a step (less than a viewport plus
  // the timeline's 800 px margins on both sides, so every month is fetched),
  // letting two frames render each step; all in the page, so the driver's
  // round trips do not count.
  t = performance.now();
  bucketRequests = 0;
  const timeline = page.getByTestId('timeline');
  const { steps, frameMs } = await timeline.evaluate(async (el) => {
    let steps = 0;
    let busy = 0;
    for (;;) {
      el.scrollBy(0, el.clientHeight * 2);
      const t0 = performance.now();
      await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
      busy += performance.now() - t0;
      steps += 1;
      if (el.scrollTop + el.clientHeight >= el.scrollHeight - 2) return { steps, frameMs: busy / steps };
    }
  });
  // Until the last months fetched have arrived.
  await page.waitForFunction(() => !document.querySelector('[aria-busy=true]'), null, { timeout: 60_000 });
  await page.waitForTimeout(500);
  const scrolled = (performance.now() - t) / 1000;
  const scrolledHeap = await heapMB(cdp);
  const height = await timeline.evaluate((el) => el.scrollHeight);
  console.log(
    `scrolled ${(height / 1e6).toFixed(1)} Mpx in ${steps} steps of two viewports, ${scrolled.toFixed(1)} s ` +
      `(two frames: ${frameMs.toFixed(0)} ms a step); month buckets fetched: ${bucketRequests}`,
  );
  console.log(`JS heap after GC: ${loadedHeap.toFixed(1)} MB after the first load, ${scrolledHeap.toFixed(1)} MB after scrolling through`);
  console.log(
    `goals: first thumbnails ≤ 1000 ms: ${median(firsts) <= 1000 ? 'met' : 'MISSED'}; heap ≤ 150 MB: ${scrolledHeap <= 150 ? 'met' : 'MISSED'}`,
  );
} finally {
  await stopApp();
}
