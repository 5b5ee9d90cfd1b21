// Local files: walking a tree the way the CLI does, hashing, and making test JPEGs.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { basename, dirname, extname, join, relative, sep } from 'node:path';
import jpeg from 'jpeg-js';

/** All regular files under root (absolute paths, sorted). */
export async function walkFiles(root) {
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath ?? entry.path, entry.name))
    .sort();
}

/** True when a path segment below root starts with "." (the CLI skips those without --include-hidden). */
export function isHidden(root, file) {
  return relative(root, file).split(sep).some((part) => part.startsWith('.'));
}

/** Lower-case extension with its dot, e.g. ".heic" for IMG_1.HEIC; "" for README. */
export const extensionOf = (file) => extname(file).toLowerCase();

/** SHA-1 of a file as { hex, base64 } (the CLI sends hex; asset DTOs carry base64). */
export function sha1File(file) {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha1');
    createReadStream(file)
      .on('error', reject)
      .on('data', (chunk) => hash.update(chunk))
      .on('end', () => {
        const digest = hash.digest();
        resolve({ hex: digest.toString('hex'), base64: digest.toString('base64') });
      });
  });
}

/**
 * Describes every file of a tree: { path, name, ext, album, hidden, checksum (base64), size, mtime }.
 * `album` is the name the CLI's --album gives it: the basename of its folder.
 */
export async function describeTree(root) {
  const files = [];
  for (const path of await walkFiles(root)) {
    const info = await stat(path);
    files.push({
      path,
      name: basename(path),
      ext: extensionOf(path),
      album: basename(dirname(path)),
      hidden: isHidden(root, path),
      checksum: (await sha1File(path)).base64,
      size: info.size,
      mtime: info.mtime,
    });
  }
  return files;
}

// ---------------------------------------------------------------------------------------------
// JPEG generation (pure JS via jpeg-js; ffmpeg when available for big sets)

/** A small deterministic PRNG (xorshift32), so generated images are reproducible from a seed. */
function prng(seed) {
  let state = (Math.imul(seed >>> 0, 2654435761) >>> 0) || 1;
  return () => {
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return state / 4294967296;
  };
}

/** RGBA pixels: a colour gradient, a wave pattern and some noise, all chosen by the seed. */
function pixels(seed, width, height, noise) {
  const random = prng(seed);
  const data = Buffer.alloc(width * height * 4);
  const [fx, fy, phase] = [0.02 + random() * 0.08, 0.02 + random() * 0.08, random() * 6.28];
  const base = [random() * 255, random() * 255, random() * 255];
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 4;
      const wave = Math.sin(x * fx + phase) * Math.cos(y * fy) * 60;
      for (let c = 0; c < 3; c++) {
        const gradient = base[c] * (x / width) + (255 - base[c]) * (1 - x / width) * (y / height);
        data[i + c] = Math.max(0, Math.min(255, gradient + wave + (random() - 0.5) * noise));
      }
      data[i + 3] = 255;
    }
  }
  return data;
}

/** A valid baseline JPEG, distinct for every seed. Small by default (for the compat test). */
export function makeJpeg(seed, { width = 64, height = 48, quality = 80, noise = 24 } = {}) {
  return Buffer.from(jpeg.encode({ data: pixels(seed, width, height, noise), width, height }, quality).data);
}

/**
 * The same JPEG with a COM (comment) segment right after SOI: still a valid JPEG,
 * but with a different checksum — a cheap way to make cached images unique per run.
 */
export function withComment(jpegBytes, text) {
  const body = Buffer.from(text, 'utf8');
  const segment = Buffer.alloc(4);
  segment.writeUInt16BE(0xfffe, 0);
  segment.writeUInt16BE(body.length + 2, 2);
  return Buffer.concat([jpegBytes.subarray(0, 2), segment, body, jpegBytes.subarray(2)]);
}

/** Writes a file (creating folders) and optionally sets its mtime. */
export async function writeFileAt(path, bytes, mtime) {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, bytes);
  if (mtime) await utimes(path, mtime, mtime);
}

export const hasFfmpeg = () => spawnSync('ffmpeg', ['-version'], { stdio: 'ignore' }).status === 0;

/** count distinct 640x480 JPEGs (frame-NNNNN.jpg) from ffmpeg's testsrc2 (each frame differs). */
function framesWithFfmpeg(dir, count) {
  const args = ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=size=640x480:rate=25'];
  args.push('-frames:v', String(count), '-q:v', '2', join(dir, 'frame-%05d.jpg'));
  const res = spawnSync('ffmpeg', args, { encoding: 'utf8' });
  if (res.status !== 0) throw new Error(`ffmpeg failed: ${res.stderr}`);
}

/** count distinct 640x480 JPEGs with jpeg-js (about 0.1 s each). */
async function framesWithJpegJs(dir, count, onProgress) {
  for (let i = 1; i <= count; i++) {
    const bytes = makeJpeg(i, { width: 640, height: 480, quality: 82, noise: 28 });
    await writeFile(join(dir, `frame-${String(i).padStart(5, '0')}.jpg`), bytes);
    if (i % 100 === 0) onProgress?.(i);
  }
}

/**
 * A cached folder of `count` distinct 640x480 JPEGs (about 50–150 KB each).
 * Built once (ffmpeg if on PATH, else pure JS), then reused; a `.complete` marker guards half-built sets.
 */
export async function cachedFrames(cacheRoot, count, log = () => {}) {
  const dir = join(cacheRoot, `frames-640x480-${count}`);
  const marker = join(dir, '.complete');
  const done = await readFile(marker, 'utf8').catch(() => null);
  if (done) return { dir, generator: done.trim(), cached: true };
  const building = `${dir}.building`;
  await rm(building, { recursive: true, force: true });
  await mkdir(building, { recursive: true });
  const generator = hasFfmpeg() ? 'ffmpeg' : 'jpeg-js';
  log(`generating ${count} JPEGs with ${generator} into ${dir} (once; cached afterwards)`);
  if (generator === 'ffmpeg') framesWithFfmpeg(building, count);
  else await framesWithJpegJs(building, count, (n) => log(`  ${n}/${count}`));
  await writeFile(join(building, '.complete'), generator);
  await rm(dir, { recursive: true, force: true });
  await rename(building, dir);
  return { dir, generator, cached: false };
}
