// End-to-end: a patient in Chromium. Their own home (their studies by date, in plain words),
// the simplified viewer (scrolling, window presets, zoom, pan, full screen; none of the
// staff's tools), and another patient's study not found.
//
// Environment: VIREO_URL, VIREO_USER, VIREO_PASSWORD (a patient), VIREO_OWN_STUDY (theirs),
// VIREO_OTHER_STUDY (someone else's), VIREO_SCREENSHOTS (optional).
import { join } from 'node:path';
import { checkAccessible, env, passwordSignIn, run } from './session.mjs';

const BASE = env('VIREO_URL');
const SHOTS = process.env.VIREO_SCREENSHOTS;
await run('patient end-to-end', async ({ page, check, failures }) => {
  await passwordSignIn(page, BASE, env('VIREO_USER'), env('VIREO_PASSWORD')); // no second factor for the role
  await page.waitForSelector('text=Your imaging studies');
  // The list, once it has come (the heading is drawn before the archive answers).
  await page.waitForFunction(() => !document.querySelector('.patient-home .page-message'));
  const cards = await page.$$eval('.patient-studies li', (lis) => lis.map((li) => ({ study: li.dataset.study, text: li.innerText })));
  check(cards.length === 1 && cards[0].study === env('VIREO_OWN_STUDY'), `home: ${JSON.stringify(cards)}`);
  // The date written out in the browser's language (19 January 2004, January 19, 2004…).
  const written = await page.evaluate(() => new Date(2004, 0, 19).toLocaleDateString(undefined, { day: 'numeric', month: 'long', year: 'numeric' }));
  check(/CT scan/.test(cards[0]?.text ?? '') && (cards[0]?.text ?? '').includes(written) && /January/.test(written),
    `in plain words: ${cards[0]?.text}`);
  check(await page.locator('table.studies').count() === 0, 'the staff study list shown to a patient');
  if (SHOTS) await page.screenshot({ path: join(SHOTS, 'patient-home.png') });
  await checkAccessible(page, check, "the patient's home");
  // Their study to take away, as DICOM with its index and as pictures.
  for (const [id, name] of [['download-dicom', 'study-dicom.zip'], ['download-jpeg', 'study-images.zip']]) {
    const [download] = await Promise.all([page.waitForEvent('download'), page.click(`[data-testid=${id}]`)]);
    const file = await download.path();
    const { statSync, readFileSync } = await import('node:fs');
    const head = readFileSync(file).subarray(0, 4).toString('latin1');
    check(download.suggestedFilename() === name && statSync(file).size > 1000 && head === 'PK\x03\x04',
      `${id}: ${download.suggestedFilename()}, ${statSync(file).size} bytes`);
    console.log(`downloaded ${name}: ${statSync(file).size} bytes`);
  }
  console.log(`patient home: ${cards[0]?.text.replace(/\n+/g, ' · ')}`);

  await page.click('button:text-is("View images")');
  await page.waitForFunction(() => Number(document.querySelector('[data-viewport-index="0"] .element')?.dataset.rendered ?? -1) >= 0,
    null, { timeout: 30000 });
  const tools = await page.$$eval('.toolbar button, .toolbar select', (els) => els.map((e) => e.getAttribute('aria-label') || e.textContent));
  for (const staff of ['Length', 'Cobb', 'Angle', 'MPR', 'Export SR', 'Link', 'Invert', 'Rotate', '1x2']) {
    check(!tools.includes(staff), `a staff tool for a patient: ${staff}`);
  }
  for (const own of ['Move', 'Zoom', 'Window preset', 'Reset view', 'Full screen']) check(tools.includes(own), `missing ${own}: ${tools}`);
  check(await page.locator('.topbar [data-testid=download-dicom]').count() === 1, 'no download in the viewer');
  await page.selectOption('select[aria-label="Window preset"]', { index: 1 });
  if (SHOTS) await page.screenshot({ path: join(SHOTS, 'patient-viewer.png') });
  await checkAccessible(page, check, "the patient's viewer");
  await page.click('[data-testid=full-screen]');
  await page.waitForFunction(() => document.fullscreenElement?.classList.contains('grid'), null, { timeout: 5000 })
    .then(() => console.log('full screen: the images alone'), () => failures.push('full screen did not open'));
  await page.keyboard.press('Escape');
  console.log(`patient viewer tools: ${tools.join(', ')}`);

  await page.goto(`${BASE}/viewer/${env('VIREO_OTHER_STUDY')}`);
  await page.waitForSelector('[data-testid=study-not-found]', { timeout: 20000 });
  console.log("another patient's study: not found");
});
