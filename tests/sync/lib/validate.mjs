// Checks each line of a sync stream against the SDK 3.2.2 contract: the line's shape, its type
// (a SyncEntityType of the SDK, and one the request can produce), its data against the JSON
// Schema of the DTO that type carries (no missing, extra, mistyped or wrongly null field) and
// its ack. Every problem is reported with the line, so a failing test names the bad field.
import { readFile } from 'node:fs/promises';
import Ajv from 'ajv';
import { SyncEntityType, SyncRequestType } from '@immich/sdk';
import { CONTROL_TYPES, DATE_FIELDS, DTO_OF_TYPE, TYPES_OF_REQUEST } from './contract.mjs';

const ENTITY_TYPES = new Set(Object.values(SyncEntityType));
const REQUEST_TYPES = new Set(Object.values(SyncRequestType));

export async function loadSchemas(file) {
  const text = await readFile(file, 'utf8').catch(() => {
    throw new Error(`${file} is missing: run \`node gen-schemas.mjs\` in tests/sync first`);
  });
  return JSON.parse(text);
}

export class LineValidator {
  #validators = new Map();

  constructor({ schemas, sdkVersion }) {
    if (sdkVersion !== '3.2.2') throw new Error(`schemas come from @immich/sdk ${sdkVersion}, expected 3.2.2`);
    const ajv = new Ajv({ allErrors: true, strict: true, strictTypes: false });
    for (const [type, dto] of Object.entries(DTO_OF_TYPE)) {
      if (!ENTITY_TYPES.has(type)) throw new Error(`contract names ${type}, which SDK 3.2.2's SyncEntityType lacks`);
      if (!schemas[dto]) throw new Error(`no schema generated for ${dto}`);
      if (!this.#validators.has(dto)) this.#validators.set(dto, ajv.compile(schemas[dto]));
    }
    for (const type of ENTITY_TYPES) {
      if (!DTO_OF_TYPE[type]) throw new Error(`SDK 3.2.2 has SyncEntityType ${type}, which the contract does not map to a DTO`);
    }
  }

  /** The line types a request for `types` may produce. */
  static allowedTypes(requestTypes) {
    const allowed = new Set(CONTROL_TYPES);
    for (const request of requestTypes) {
      if (!REQUEST_TYPES.has(request)) throw new Error(`${request} is not a SyncRequestType of SDK 3.2.2`);
      for (const type of TYPES_OF_REQUEST[request] ?? []) allowed.add(type);
    }
    return allowed;
  }

  /**
   * Problems with one line (its text, without the newline); [] when it is good.
   * `allowed` is the set from allowedTypes(), or undefined to skip that check.
   */
  check(text, allowed) {
    let line;
    try {
      line = JSON.parse(text);
    } catch (error) {
      return [`not JSON (${error.message})`];
    }
    if (line === null || typeof line !== 'object' || Array.isArray(line)) return ['a line must be a JSON object'];
    const problems = [];
    const extraKeys = Object.keys(line).filter((key) => !['type', 'data', 'ack'].includes(key));
    if (extraKeys.length) problems.push(`unexpected top-level keys ${extraKeys.join(', ')} (a line is {type, data, ack})`);
    const { type, data, ack } = line;
    if (typeof type !== 'string' || !ENTITY_TYPES.has(type)) {
      problems.push(`type ${JSON.stringify(type)} is not a SyncEntityType of SDK 3.2.2`);
      return problems;
    }
    if (allowed && !allowed.has(type)) problems.push(`type ${type} was not requested (allowed: ${[...allowed].join(', ')})`);
    if (typeof ack !== 'string' || ack.length === 0) {
      problems.push(`ack ${JSON.stringify(ack)} must be a non-empty string`);
    } else {
      const ackType = ack.split('|')[0];
      if (!ENTITY_TYPES.has(ackType)) problems.push(`ack ${JSON.stringify(ack)} does not start with a SyncEntityType`);
      else if (type !== 'SyncAckV1' && ackType !== type) problems.push(`ack ${JSON.stringify(ack)} is for ${ackType}, the line is ${type}`);
    }
    const dto = DTO_OF_TYPE[type];
    const validate = this.#validators.get(dto);
    if (!validate(data)) {
      for (const error of validate.errors) {
        const where = error.instancePath || '(data)';
        const detail = error.params?.additionalProperty ?? error.params?.missingProperty ?? '';
        problems.push(`data${error.instancePath} ${error.message}${detail ? ` (${detail})` : ''} — ${dto} at ${where}`);
      }
    } else {
      for (const [key, value] of Object.entries(data)) {
        if (DATE_FIELDS.has(key) && typeof value === 'string' && Number.isNaN(Date.parse(value))) {
          problems.push(`data.${key} = ${JSON.stringify(value)} is not a date the app can parse`);
        }
      }
    }
    return problems;
  }
}
