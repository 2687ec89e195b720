// End-to-end: objects that are not images, in Chromium. An encapsulated PDF opens as the
// document (PDF.js); a structured report as headed text with its measurements; a waveform and
// a segmentation say what they are; the series panel names each series by what it is.
//
// Environment: VIREO_URL, VIREO_USER, VIREO_PASSWORD (a radiologist), VIREO_DOCUMENT_STUDIES
// (JSON: {"pdf", "report", "ecg", "segmentation"}: study UIDs), VIREO_SCREENSHOTS (optional).
import { join } from 'node:path';
import { env, run, signIn } from './session.mjs';

const BASE = env('VIREO_URL');
const STUDIES = JSON.parse(env('VIREO_DOCUMENT_STUDIES'));
const SHOTS = process.env.VIREO_SCREENSHOTS;

await run('documents end-to-end', async ({ page, check }) => {
  await signIn(page, BASE, env('VIREO_USER'), env('VIREO_PASSWORD'));
  page.on('console', (m) => ['error', 'warning'].includes(m.type()) && console.log(`browser console: ${m.text()}`));
  const cards = () => page.$$eval('.series-card', (els) => els.map((e) => `${e.dataset.kind}: ${e.children[1]?.textContent}`));

  // A study of one PDF opens it: its page drawn, something on it.
  await page.goto(`${BASE}/viewer/${STUDIES.pdf}`);
  await page.waitForFunction(() => Number(document.querySelector('[data-testid=document-pane][data-kind=document] .pdf-pages')?.dataset.pages) >= 2,
    null, { timeout: 30000 });
  const pages = await page.$$eval('canvas[data-testid=pdf-page]', (c) => c.map((x) => x.getAttribute('aria-label')));
  check(pages.join('|') === 'Page 1 of 2|Page 2 of 2', `PDF pages: ${pages}`);
  const banner = await page.textContent('[data-testid=patient-banner]');
  check(banner.includes('Smith'), `the patient banner over a document: "${banner}"`);
  check(await page.locator('button:text-is("Rotate")').count() === 0, 'image tools over a document');
  const inked = await page.$eval('canvas[data-testid=pdf-page]', (c) => {
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let dark = 0;
    for (let i = 0; i < d.length; i += 4) if (d[i] < 128) dark++;
    return { dark, width: c.width, height: c.height };
  });
  check(inked.dark > 500 && inked.height > inked.width, `the PDF page shows no text: ${JSON.stringify(inked)}`);
  const pdfCards = await cards();
  check(pdfCards.length === 1 && /^document: Document #/.test(pdfCards[0]), `PDF series card: ${pdfCards}`);
  console.log(`PDF: ${pages.length} pages drawn (first ${inked.width}x${inked.height}, ${inked.dark} dark pixels); card "${pdfCards[0]}"`);
  if (SHOTS) await page.screenshot({ path: join(SHOTS, 'viewer-pdf.png') });

  // A CT with a measurement report: the CT in the viewport, the report named and readable.
  await page.goto(`${BASE}/viewer/${STUDIES.report}`);
  await page.waitForFunction(() => Number(document.querySelector('[data-viewport-index="0"] .element')?.dataset.rendered ?? -1) >= 0,
    null, { timeout: 30000 });
  const reportCards = await cards();
  check(reportCards.some((c) => /^images: CT #\d+ · 1 im$/.test(c)) && reportCards.some((c) => /^report: Report #/.test(c)),
    `CT and report cards: ${reportCards}`);
  await page.click('.series-card[data-kind=report]');
  await page.waitForSelector('[data-testid=sr-report] h2');
  const title = await page.textContent('[data-testid=sr-report] h2');
  const body = await page.textContent('[data-testid=sr-report]');
  check(title === 'Imaging Measurement Report', `report title: ${title}`);
  check(body.includes('Area of defined region: 1.7 cm2') && body.includes('Finding: Spinal cord'), `report body: ${body.slice(0, 300)}`);
  console.log(`report: "${title}" with "Area of defined region: 1.7 cm2"; cards ${reportCards.join(' | ')}`);
  if (SHOTS) await page.screenshot({ path: join(SHOTS, 'viewer-sr.png') });
  await page.dblclick('.series-card[data-kind=images]');
  await page.waitForSelector('[data-viewport-index="0"] .element');
  console.log('back to the images from the report');

  // A waveform and a segmentation say what they are, never that an image is missing.
  for (const [kind, key, expect] of [['waveform', 'ecg', /12 channels, 10(\.0)? s/], ['segmentation', 'segmentation', /segmentation with \d+ segment/]]) {
    await page.goto(`${BASE}/viewer/${STUDIES[key]}`);
    if (kind === 'segmentation') await page.click(`.series-card[data-kind=${kind}]`);
    await page.waitForSelector(`[data-testid=document-pane][data-kind=${kind}] .document-notice`, { timeout: 30000 });
    const note = await page.textContent(`[data-testid=document-pane] .document-notice`);
    check(expect.test(note), `${kind}: ${note}`);
    check(!(await page.content()).includes('no longer has this image'), `${kind}: reported as a missing image`);
    console.log(`${kind}: ${note}`);
    if (kind === 'waveform') {
      // Drawn on the grid: twelve leads, 25 mm/s, 10 mm/mV, traces in ink on pink paper.
      await page.waitForSelector('canvas[data-testid=ecg][data-leads="12"][data-seconds="10"]', { timeout: 20000 });
      const ecg = await page.$eval('canvas[data-testid=ecg]', (c) => {
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        let ink = 0;
        for (let i = 0; i < d.length; i += 4) if (d[i] < 80 && d[i + 1] < 80) ink++;
        return { ink, speed: c.dataset.mmPerS, gain: c.dataset.mmPerMv, width: c.width };
      });
      check(ecg.ink > 2000 && ecg.speed === '25' && ecg.gain === '10', `ECG drawing: ${JSON.stringify(ecg)}`);
      console.log(`ECG: 12 leads drawn at ${ecg.speed} mm/s and ${ecg.gain} mm/mV (${ecg.ink} ink pixels)`);
      if (SHOTS) await page.screenshot({ path: join(SHOTS, 'viewer-ecg.png'), fullPage: true });
    }
  }
  // An address the application does not have, and a study that is not there (or not this
  // user's): each says so, with a way back, and no tools.
  await page.goto(`${BASE}/admin`);
  await page.waitForSelector('[data-testid=not-allowed]'); // a radiologist: not the administration pages
  await page.goto(`${BASE}/settings`);
  await page.waitForSelector('[data-testid=not-found]');
  check(new URL(page.url()).pathname === '/settings', `the address changed to ${page.url()}`);
  check((await page.textContent('[data-testid=not-found]')).includes('/settings'), 'the missing address is not named');
  await page.click('text=Go to the study list');
  await page.waitForSelector('tr[data-study]');
  check(new URL(page.url()).pathname === '/', `back to ${page.url()}`);
  await page.goto(`${BASE}/viewer/1.2.826.0.1.3680043.99999.1`);
  await page.waitForSelector('[data-testid=study-not-found]', { timeout: 20000 });
  check(await page.locator('.toolbar button').count() === 0, 'tools over a study that is not there');
  if (SHOTS) await page.screenshot({ path: join(SHOTS, 'study-not-found.png') });
  console.log('not found: /settings and an unknown study say so, with a way back; /admin is not for a radiologist');
}, async (page, failures) => {
  failures.push(`on the page: ${(await page.textContent('main').catch(() => '')).slice(0, 500)}`);
  if (SHOTS) await page.screenshot({ path: join(SHOTS, 'documents-failure.png') }).catch(() => undefined);
});
