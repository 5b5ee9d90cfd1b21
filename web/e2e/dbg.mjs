import { startApp, stopApp, signUpAndSignIn, page, shot, problems, base } from './harness.mjs';
await startApp();
try {
  await signUpAndSignIn();
  await page.goto(base + '/admin/system-settings');
  const video = page.locator('[data-section=ffmpeg]');
  await video.locator('summary').click();
  console.log('open?', await video.evaluate((d) => d.open));
  await video.locator('[data-path="ffmpeg.transcode"]').selectOption('all');
  console.log('open after select?', await video.evaluate((d) => d.open));
  const crf = video.locator('[data-path="ffmpeg.crf"]');
  console.log(await crf.count(), await crf.evaluate((e) => [e.tagName, e.type, e.disabled, e.readOnly, e.getBoundingClientRect().height]));
  await shot('dbg-ffmpeg');
  console.log(problems);
} finally { await stopApp(); }
