// Generates one JSON Schema per Sync* DTO from @immich/sdk 3.2.2's TypeScript declarations
// (build/fetch-client.d.ts) with ts-json-schema-generator, into .cache/sync-schemas.json.
// Objects get additionalProperties: false, so a field the DTO does not declare is an error.
//   node gen-schemas.mjs            (run.sh runs it; it takes a few seconds)
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createGenerator } from 'ts-json-schema-generator';
import { SYNC_DTOS } from './lib/contract.mjs';

const here = dirname(fileURLToPath(import.meta.url));
export const SCHEMA_FILE = join(here, '.cache', 'sync-schemas.json');

export async function generateSchemas() {
  const sdkDir = join(here, 'node_modules', '@immich', 'sdk');
  const sdkVersion = JSON.parse(await readFile(join(sdkDir, 'package.json'), 'utf8')).version;
  if (sdkVersion !== '3.2.2') throw new Error(`expected @immich/sdk 3.2.2, found ${sdkVersion}`);
  const generator = createGenerator({
    path: join(sdkDir, 'build', 'fetch-client.d.ts'),
    type: '*',
    skipTypeCheck: true,
    expose: 'export',
    topRef: false,
    additionalProperties: false,
  });
  const schemas = {};
  for (const dto of SYNC_DTOS) schemas[dto] = generator.createSchema(dto);
  return { sdkVersion, schemas };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const started = Date.now();
  const out = await generateSchemas();
  await mkdir(dirname(SCHEMA_FILE), { recursive: true });
  await writeFile(SCHEMA_FILE, JSON.stringify(out, null, 1));
  console.log(`sync schemas: ${Object.keys(out.schemas).length} DTOs from @immich/sdk ${out.sdkVersion} -> ${SCHEMA_FILE} (${Date.now() - started} ms)`);
}
