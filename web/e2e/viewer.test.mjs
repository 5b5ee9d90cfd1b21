// The viewer's gestures: wheel, double-click, pinch and drag to zoom and pan,
// swipe to step, live (motion) photos playing their video part, and the
// keyboard alongside.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  BROWSER, api, expectCount, jobsSettle, library, markProcessed, page, problems, scrollToThumb, shot, signUpAndSignIn,
  startApp, stopApp, thumb, token, uploadByApi, work,
} from './harness.mjs';

/** A Google-style motion photo: a JPEG whose XMP says an MP4 follows its end. */
function motionPhoto() {
  const still = join(work, 'motion-still.jpg');
  const clip = join(work, 'motion-clip.mp4');
  execFileSync('ffmpeg', ['-loglevel', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=size=640x480', '-frames:v', '1', still]);
  execFileSync('ffmpeg', [
    '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=size=640x480:rate=15:duration=2',
    '-c:v', 'libx264', '-pix_fmt', 'yuv420p', '-movflags', '+faststart', clip,
  ]);
  execFileSync('exiftool', [
    '-q', '-overwrite_original', '-DateTimeOriginal=2024:06:02 09:00:00',
    '-XMP-GCamera:MicroVideo=1', '-XMP-GCamera:MicroVideoVersion=1',
    `-XMP-GCamera:MicroVideoOffset=${statSync(clip).size}`, still,
  ]);
  const file = join(work, 'PXL_motion.MP.jpg');
  writeFileSync(file, Buffer.concat([readFileSync(still), readFileSync(clip)]));
  return file;
}

function photos() {
  return ['2024:06:01 10:00:00', '2024:06:03 10:00:00', '2024:06:04 10:00:00'].map((date, i) => {
    const file = join(work, `viewer-${i}.jpg`);
    execFileSync('ffmpeg', ['-loglevel', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=size=800x600', '-frames:v', '1', file]);
    execFileSync('exiftool', ['-q', '-overwrite_original', `-DateTimeOriginal=${date}`, file]);
    return file;
  });
}

const idOf = (name) => [...library].find(([, n]) => n === name)[0];
const scale = () => page.getByTestId('zoom').evaluate((el) => Number(el.dataset.scale));
const transform = () => page.getByTestId('preview').evaluate((el) => el.style.transform);
const shownId = () => page.getByTestId('preview').evaluate((el) => el.getAttribute('src').split('/')[3]);

/** Touch gestures: real touch input through CDP in Chromium, pointer events elsewhere. */
async function touch(tracks, steps = 6) {
  if (BROWSER === 'chromium') {
    const cdp = await page.context().newCDPSession(page);
    const at = (k) => tracks.map(([from, to], id) => ({ x: from[0] + ((to[0] - from[0]) * k) / steps, y: from[1] + ((to[1] - from[1]) * k) / steps, id }));
    await cdp.send('Input.dispatchTouchEvent', { type: 'touchStart', touchPoints: at(0) });
    for (let k = 1; k <= steps; k++) await cdp.send('Input.dispatchTouchEvent', { type: 'touchMove', touchPoints: at(k) });
    await cdp.send('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [] });
    await cdp.detach();
    return;
  }
  await page.getByTestId('zoom').evaluate(
    (el, { tracks, steps }) => {
      const fire = (type, id, x, y) =>
        el.dispatchEvent(new PointerEvent(type, { pointerId: 10 + id, pointerType: 'touch', isPrimary: id === 0, clientX: x, clientY: y, bubbles: true, button: 0 }));
      tracks.forEach(([from], id) => fire('pointerdown', id, from[0], from[1]));
      for (let k = 1; k <= steps; k++) {
        tracks.forEach(([from, to], id) => fire('pointermove', id, from[0] + ((to[0] - from[0]) * k) / steps, from[1] + ((to[1] - from[1]) * k) / steps));
      }
      tracks.forEach(([, to], id) => fire('pointerup', id, to[0], to[1]));
    },
    { tracks, steps },
  );
}

describe(`viewer gestures and live photos in ${BROWSER}`, () => {
  let bearer;
  let centre;

  before(async () => {
    const files = [...photos(), motionPhoto()];
    await startApp();
    await signUpAndSignIn();
    bearer = await token();
    for (const file of files) await uploadByApi(bearer, file);
    await jobsSettle(bearer);
    markProcessed();
    await page.reload();
    await expectCount(files.length);
  });

  after(stopApp);

  async function open(name) {
    await scrollToThumb(idOf(name));
    await thumb(idOf(name)).getByRole('button', { name: /^Open/ }).click();
    await page.getByTestId('viewer').waitFor();
    await page.waitForFunction(() => document.querySelector('[data-testid=preview]')?.naturalWidth > 0);
    const box = await page.getByTestId('zoom').boundingBox();
    centre = [box.x + box.width / 2, box.y + box.height / 2];
  }

  it('zooms with the wheel at the pointer and pans by dragging', async () => {
    await open('viewer-1.jpg');
    await page.mouse.move(centre[0] + 100, centre[1] + 50);
    await page.mouse.wheel(0, -400);
    await page.waitForFunction(() => Number(document.querySelector('[data-testid=zoom]').dataset.scale) > 1.5);
    const zoomed = await transform();
    // Zooming at a point right of and below the centre moves the image left and up.
    const [, tx, ty] = zoomed.match(/translate\((-?[\d.]+)px, (-?[\d.]+)px\)/).map(Number);
    assert.ok(tx < 0 && ty < 0, zoomed);
    await page.mouse.move(centre[0], centre[1]);
    await page.mouse.down();
    await page.mouse.move(centre[0] + 80, centre[1] + 40, { steps: 5 });
    await page.mouse.up();
    const panned = (await transform()).match(/translate\((-?[\d.]+)px, (-?[\d.]+)px\)/).map(Number);
    assert.ok(panned[1] > tx && panned[2] > ty, `dragging right and down moves the image: ${zoomed} → ${await transform()}`);
    await shot('viewer-01-zoomed');
    // The wheel the other way comes back to the normal size, centred.
    await page.mouse.wheel(0, 2000);
    await page.waitForFunction(() => document.querySelector('[data-testid=zoom]').dataset.scale === '1.00');
    // Firefox writes translate(0px, 0px) as translate(0px).
    assert.match(await transform(), /translate\(0px(, 0px)?\) scale\(1\)/);
  });

  it('double-click zooms in and out, and the keyboard still steps and closes', async () => {
    await page.mouse.dblclick(centre[0], centre[1]);
    assert.equal(await scale(), 2);
    await page.mouse.dblclick(centre[0], centre[1]);
    assert.equal(await scale(), 1);
    await page.keyboard.press('+');
    assert.equal(await scale(), 1.5);
    await page.keyboard.press('0');
    assert.equal(await scale(), 1);
    await page.keyboard.press('+');
    const before = await shownId();
    await page.keyboard.press('ArrowRight');
    await page.waitForFunction((id) => !document.querySelector('[data-testid=preview]').src.includes(id), before);
    // The next photo starts at the normal size.
    assert.equal(await scale(), 1);
    await page.keyboard.press('ArrowLeft');
    await page.waitForFunction((id) => document.querySelector('[data-testid=preview]').src.includes(id), before);
  });

  it('pinches to zoom and swipes to the next and previous photo', async () => {
    const [x, y] = centre;
    await touch([
      [[x - 40, y], [x - 160, y]],
      [[x + 40, y], [x + 160, y]],
    ]);
    await page.waitForFunction(() => Number(document.querySelector('[data-testid=zoom]').dataset.scale) > 2);
    await shot('viewer-02-pinched');
    await page.keyboard.press('0');
    const first = await shownId();
    await touch([[[x + 200, y], [x - 200, y + 10]]], 4);
    await page.waitForFunction((id) => !document.querySelector('[data-testid=preview]').src.includes(id), first);
    const second = await shownId();
    assert.notEqual(second, first);
    await touch([[[x - 200, y], [x + 200, y]]], 4);
    await page.waitForFunction((id) => document.querySelector('[data-testid=preview]').src.includes(id), first);
    // A short vertical drag is no swipe.
    await touch([[[x, y - 100], [x + 30, y + 150]]], 4);
    await page.waitForTimeout(300);
    assert.equal(await shownId(), first);
    await page.keyboard.press('Escape');
    await page.getByTestId('viewer').waitFor({ state: 'detached' });
  });

  it('plays the motion part of a live photo', async () => {
    const stillId = idOf('PXL_motion.MP.jpg');
    const still = await api('GET', `/assets/${stillId}`, bearer);
    assert.ok(still.livePhotoVideoId, 'the motion photo was paired with its video');
    await open('PXL_motion.MP.jpg');
    await page.getByTestId('live-button').click();
    const video = page.getByTestId('live-video');
    await video.waitFor();
    assert.equal(await video.getAttribute('src'), `/api/assets/${still.livePhotoVideoId}/video/playback`);
    await page.waitForFunction(() => {
      const v = document.querySelector('[data-testid=live-video]');
      return v && v.readyState >= 2 && v.currentTime > 0.2;
    }, null, { timeout: 20_000 });
    await shot('viewer-03-live-photo');
    // It ends by itself and the still shows again.
    await video.waitFor({ state: 'detached', timeout: 10_000 });
    await page.keyboard.press('Escape');
  });

  it('logged no errors and no Content-Security-Policy violations', () => {
    assert.deepEqual(problems, []);
  });
});
