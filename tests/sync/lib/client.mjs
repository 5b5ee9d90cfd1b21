// A reference sync client that talks to the server exactly as the Immich 3.x mobile app does.
//
// Read for this (facts only; no code taken) in immich-app/immich, mobile/lib/:
//   infrastructure/repositories/sync_api.repository.dart  (streamChanges: the request types,
//     their order, line splitting, batches of kSyncEventBatchSize = 5000 lines from
//     constants/constants.dart, abort, and the SyncEntityType -> DTO parser map)
//   domain/services/sync_stream.service.dart  (sync(): GET /server/version, stream, a second
//     stream after a reset; _handleEvents/_processBatch: runs of one type, one ack each)
//   infrastructure/repositories/sync_stream.repository.dart  (what each line does to the DB)
// The same files at upstream 3.1.0 (commit 0293414abd9f82c7a4847c9bacb313a1d978773b) are
// summarised in docs/sync-contract.md §5, which this client follows.
// Versions read directly: sync_stream.service.dart at commit 01c18ed25f9d375d9cb7eb26523dbe5ce5eb8b59
// (2.5.x, same batching and ack logic) and the 3.x sync_api.repository.dart whose request list
// uses `serverVersion.supports(.syncV2 | .assetEdits | .assetFacesV2 | .assetOcr)` (indexed
// file id 69440662032; the StacksV2/Tags/Views entries it also has are not in SDK 3.2.2 and
// are left out here, as the 3.2.2 app cannot send them).
//
// What the app does, and so what this client does:
// - GET /server/version first; then POST /sync/stream {types} with the types below, in this
//   order (the server answers in its own fixed order), Accept: application/jsonlines+json, the
//   session token (the app never uses an API key for sync).
// - Reads the body as it arrives, splits on "\n", keeps the unfinished tail; every 5000 lines
//   (and once at the end) it hands the lines to the handler. A tail without "\n" at the end of
//   the body is dropped by the app: this client reports it.
// - The handler walks the lines; each run of consecutive lines of one type is applied in one
//   transaction and then acked with ONE ack, the last line's: POST /sync/ack {acks:[ack]}.
//   SyncAckV1 and SyncCompleteV1 runs are acked too (they change nothing locally).
// - SyncResetV1 wipes the local copy (and is acked, which tells the server to reset); after the
//   stream ends the app streams again from scratch.
// - An unknown line type or a line that does not parse stops the sync with an error (the batch
//   is not acked, so the server sends it again next time).
// - Once per install, before its first stream, the app's sync migrations clear some acks:
//   DELETE /sync/ack with [AlbumV1]; [AssetExifV1, PartnerAssetExifV1, AlbumAssetExifCreateV1,
//   AlbumAssetExifUpdateV1]; [AssetV1, PartnerAssetV1, AlbumAssetCreateV1, AlbumAssetUpdateV1];
//   [AssetV1, AssetV2] (per docs/sync-contract.md §5, app 3.1.0). The server must take them (204).
// - Aborting (app sent to background) stops reading: lines not yet handed over are neither
//   applied nor acked.
import { SyncRequestType } from '@immich/sdk';
import { LineValidator } from './validate.mjs';

export const APP_BATCH_SIZE = 5000;

/** The 3.2.2 app's request, for a server that reports version >= 3 (all capabilities). */
export const APP_REQUEST_TYPES = [
  SyncRequestType.AuthUsersV1,
  SyncRequestType.UsersV1,
  SyncRequestType.AssetsV2,
  SyncRequestType.AssetExifsV1,
  SyncRequestType.AssetEditsV1,
  SyncRequestType.AssetMetadataV1,
  SyncRequestType.PartnersV1,
  SyncRequestType.PartnerAssetsV2,
  SyncRequestType.PartnerAssetExifsV1,
  SyncRequestType.AlbumsV2,
  SyncRequestType.AlbumUsersV1,
  SyncRequestType.AlbumAssetsV2,
  SyncRequestType.AlbumAssetExifsV1,
  SyncRequestType.AlbumToAssetsV1,
  SyncRequestType.MemoriesV1,
  SyncRequestType.MemoryToAssetsV1,
  SyncRequestType.StacksV1,
  SyncRequestType.PartnerStacksV1,
  SyncRequestType.UserMetadataV1,
  SyncRequestType.PeopleV1,
  SyncRequestType.AssetFacesV2,
  SyncRequestType.AssetOcrV1,
];

/** The acks the app's one-time sync migrations delete before its first stream. */
export const APP_MIGRATION_ACK_DELETES = [
  ['AlbumV1'],
  ['AssetExifV1', 'PartnerAssetExifV1', 'AlbumAssetExifCreateV1', 'AlbumAssetExifUpdateV1'],
  ['AssetV1', 'PartnerAssetV1', 'AlbumAssetCreateV1', 'AlbumAssetUpdateV1'],
  ['AssetV1', 'AssetV2'],
];

/** The stream broke the contract (bad line, wrong status…): what the app would choke on. */
export class SyncContractError extends Error {}

export class SyncClient {
  /**
   * api: 'http://host:port/api'; token: a session access token (login); mirror: a Mirror;
   * validator: a LineValidator; batchSize: lines per handler call (the app: 5000).
   */
  constructor({ api, token, mirror, validator, batchSize = APP_BATCH_SIZE, types = APP_REQUEST_TYPES }) {
    Object.assign(this, { api, token, mirror, validator, batchSize, types });
    this.log = []; // every request made: { method, path, body?, status }
    this.migrated = false;
  }

  #headers(extra = {}) {
    return { Authorization: `Bearer ${this.token}`, ...extra };
  }

  async #call(method, path, body) {
    const response = await fetch(`${this.api}${path}`, {
      method,
      headers: this.#headers(body === undefined ? {} : { 'Content-Type': 'application/json' }),
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    this.log.push({ method, path, body, status: response.status });
    return { status: response.status, text, json: text ? safeJson(text) : undefined };
  }

  async serverVersion() {
    const res = await this.#call('GET', '/server/version');
    if (res.status !== 200) throw new SyncContractError(`GET /server/version answered ${res.status}: ${res.text}`);
    return res.json;
  }

  async ack(acks) {
    const res = await this.#call('POST', '/sync/ack', { acks });
    if (res.status !== 204 && res.status !== 200) {
      throw new SyncContractError(`POST /sync/ack ${JSON.stringify(acks)} answered ${res.status}: ${res.text}`);
    }
    return res;
  }

  /**
   * One sync as the app runs it. Returns a report: { streams, lines: [{type, data, ack}],
   * acks: [...], reset: bool, aborted: bool, complete: bool }.
   * abortAfterLines: stop reading after that many lines were handed over (a lost connection).
   */
  async sync({ abortAfterLines, reset } = {}) {
    const version = await this.serverVersion();
    if (!(version?.major >= 3)) throw new SyncContractError(`the 3.x app needs a server >= 3.0.0 for these types; got ${JSON.stringify(version)}`);
    if (!this.migrated) {
      for (const types of APP_MIGRATION_ACK_DELETES) {
        const res = await this.#call('DELETE', '/sync/ack', { types });
        if (res.status !== 204) throw new SyncContractError(`DELETE /sync/ack ${JSON.stringify({ types })} answered ${res.status}: ${res.text}`);
      }
      this.migrated = true;
    }
    const report = { streams: 0, lines: [], acks: [], reset: false, aborted: false, complete: false };
    let shouldReset = false;
    await this.#stream(report, { abortAfterLines, reset, onReset: () => (shouldReset = true) });
    if (shouldReset && !report.aborted) {
      report.reset = true;
      await this.#stream(report, {});
    }
    this.lastReport = report;
    return report;
  }

  async #stream(report, { abortAfterLines, reset, onReset }) {
    report.streams += 1;
    const allowed = LineValidator.allowedTypes(this.types);
    const controller = new AbortController();
    const body = { types: this.types, ...(reset ? { reset: true } : {}) };
    const response = await fetch(`${this.api}/sync/stream`, {
      method: 'POST',
      headers: this.#headers({ 'Content-Type': 'application/json', Accept: 'application/jsonlines+json' }),
      body: JSON.stringify(body),
      signal: controller.signal,
    });
    this.log.push({ method: 'POST', path: '/sync/stream', body, status: response.status });
    if (response.status !== 200) {
      throw new SyncContractError(`POST /sync/stream answered ${response.status}: ${await response.text()}`);
    }
    const contentType = response.headers.get('content-type') ?? '';
    if (!contentType.startsWith('application/jsonlines+json')) {
      controller.abort();
      throw new SyncContractError(`POST /sync/stream Content-Type is ${JSON.stringify(contentType)}, not application/jsonlines+json`);
    }

    const decoder = new TextDecoder('utf-8');
    let tail = '';
    let pending = [];
    let handed = 0;
    const handOver = async () => {
      const lines = pending;
      pending = [];
      handed += lines.length;
      await this.#handle(lines, allowed, report, onReset);
    };
    try {
      for await (const chunk of response.body) {
        tail += decoder.decode(chunk, { stream: true });
        const parts = tail.split('\n');
        tail = parts.pop();
        pending.push(...parts);
        if (abortAfterLines !== undefined && handed + pending.length >= abortAfterLines) {
          pending = pending.slice(0, abortAfterLines - handed);
          await handOver();
          report.aborted = true;
          controller.abort();
          return;
        }
        if (pending.length >= this.batchSize) await handOver();
      }
      tail += decoder.decode();
      if (pending.length) await handOver();
    } catch (error) {
      if (report.aborted) return;
      throw error;
    }
    if (tail !== '') {
      throw new SyncContractError(`the stream ended with a line without "\\n" (the app drops it): ${tail.slice(0, 300)}`);
    }
  }

  async #handle(texts, allowed, report, onReset) {
    const events = [];
    const problems = [];
    for (const text of texts) {
      const found = this.validator.check(text, allowed);
      if (found.length) problems.push(`${text.slice(0, 400)}\n    ${found.join('\n    ')}`);
      else events.push(JSON.parse(text));
    }
    if (problems.length) {
      throw new SyncContractError(`${problems.length} line(s) break the SDK 3.2.2 contract:\n  ${problems.join('\n  ')}`);
    }
    let run = [];
    const flush = async () => {
      if (!run.length) return;
      const type = run[0].type;
      this.mirror.applyBatch(type, run.map((event) => event.data));
      const last = run[run.length - 1].ack;
      run = [];
      await this.ack([last]);
      report.acks.push(last);
    };
    for (const event of events) {
      if (run.length && event.type !== run[0].type) await flush();
      if (event.type === 'SyncResetV1') onReset?.();
      if (event.type === 'SyncCompleteV1') report.complete = true;
      report.lines.push(event);
      run.push(event);
    }
    await flush();
  }
}

function safeJson(text) {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
