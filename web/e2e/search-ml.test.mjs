// The search page with machine learning on: smart search (CLIP) and text in
// photos (OCR), on a real server running ONNX Runtime in-process with the test
// CLIP pack (scripts/ml/make_clip_models.py: "red" finds the red photo) and the
// PP-OCR models of the rapidocr wheel (scripts/ml/ocr-models.sh).
// Needs SHOEBOX_ML_LIBRARY, SHOEBOX_TEST_CLIP_MODELS and SHOEBOX_TEST_OCR_MODELS
// (scripts/test.sh sets them); without them the file says so and skips. The OCR
// part needs the corpus's text album too.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  CORPUS, api, base, jobsSettle, markProcessed, page, problems, shot, signInInBrowser, signUpAdminByApi, startApp, stopApp,
  uploadFile, work,
} from './harness.mjs';

const CLIP_PACK = 'test-clip';
const OCR_PACK = 'PP-OCRv4_mobile';
const TEXT_ALBUM = join(CORPUS, 'immich-test-assets', 'albums', 'text');
const { SHOEBOX_ML_LIBRARY: library, SHOEBOX_TEST_CLIP_MODELS: clip, SHOEBOX_TEST_OCR_MODELS: ocr } = process.env;
const missing = !library || !clip || !ocr;
if (missing) console.log('# skipped: SHOEBOX_ML_LIBRARY / SHOEBOX_TEST_CLIP_MODELS / SHOEBOX_TEST_OCR_MODELS unset (scripts/test.sh sets them)');
const withText = existsSync(join(TEXT_ALBUM, 'japanese-shop.jpg'));
if (!missing && !withText) console.log(`# skipped: the OCR search (no corpus text album at ${TEXT_ALBUM})`);

/** One models folder holding both packs, as a user's models directory would. */
function modelsDir() {
  const dir = join(work, 'models');
  mkdirSync(dir, { recursive: true });
  symlinkSync(join(clip, CLIP_PACK), join(dir, CLIP_PACK));
  symlinkSync(join(ocr, OCR_PACK), join(dir, OCR_PACK));
  return dir;
}

function colourPhoto(colour) {
  const file = join(work, `${colour}.jpg`);
  execFileSync('ffmpeg', ['-loglevel', 'error', '-y', '-f', 'lavfi', '-i', `color=c=${colour}:size=640x480`, '-frames:v', '1', file]);
  return file;
}

/** Fills in the search form's field and submits it; answers the result ids in order. */
async function searchBy(label, text) {
  await page.goto(`${base}/search`);
  await page.getByLabel(label).fill(text);
  await page.getByRole('button', { name: 'Search' }).click();
  await page.getByTestId('result-count').waitFor();
  await page.waitForTimeout(200);
  return page.locator('[data-asset-id]').evaluateAll((els) => els.map((e) => e.dataset.assetId));
}

describe('search with machine learning', { skip: missing }, () => {
  const ids = {};

  before(async () => {
    await startApp({ env: { SHOEBOX_ML_LIBRARY: library, SHOEBOX_ML_MODELS_DIR: modelsDir(), SHOEBOX_ML_HUB_URL: '' } });
    const admin = await signUpAdminByApi();
    const config = await api('GET', '/system-config', admin);
    config.machineLearning.clip.modelName = CLIP_PACK;
    config.machineLearning.ocr.modelName = OCR_PACK;
    await api('PUT', '/system-config', admin, config);
    const features = await api('GET', '/server/features', admin);
    assert.ok(features.smartSearch && features.ocr, JSON.stringify(features));
    for (const colour of ['red', 'green', 'blue']) ids[colour] = await uploadFile(admin, colourPhoto(colour));
    if (withText) {
      for (const name of ['japanese-shop.jpg', 'craft-beer.jpg']) ids[name] = await uploadFile(admin, join(TEXT_ALBUM, name));
    }
    await jobsSettle(admin);
    markProcessed();
    await signInInBrowser();
  });

  after(async () => {
    await stopApp();
  });

  it('finds the photo a description fits first, by smart search', async () => {
    for (const colour of ['red', 'blue']) {
      const found = await searchBy('Smart search', `a ${colour} photo`);
      assert.equal(found[0], ids[colour], `"${colour}" ranked ${JSON.stringify(found)}`);
    }
    await shot('search-smart');
  });

  it('finds photos by the words they show', { skip: !withText }, async () => {
    const found = await searchBy('Text in the photo', 'KIRIN');
    assert.deepEqual(found, [ids['japanese-shop.jpg']]);
    await shot('search-ocr');
    assert.deepEqual(await searchBy('Text in the photo', 'seasonal'), [ids['craft-beer.jpg']]);
  });

  it('saw no errors in the browser', () => {
    assert.deepEqual(problems, []);
  });
});
