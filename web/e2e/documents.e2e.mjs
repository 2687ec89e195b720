// End-to-end: objects that are not images, in Chromium. An encapsulated PDF opens as the
// document (PDF.js); a structured report as headed text with its measurements; a segmentation
// over its CT, its mask on the picture as hung, rotated and flipped, each segment switched off
// and on; a waveform on its grid; the series panel names each series by what it is.
// VIREO_RENDERER (optional): "cpu" or "webgl", the viewer's renderer for this run.
//
// Environment: VIREO_URL, VIREO_USER, VIREO_PASSWORD (a radiologist), VIREO_DOCUMENT_STUDIES
// (JSON: {"pdf", "report", "ecg", "segmentation"}: study UIDs), VIREO_SCREENSHOTS (optional).
import { join } from 'node:path';
import { checkAccessible, env, run, signIn } from './session.mjs';

const BASE = env('VIREO_URL');
const STUDIES = JSON.parse(env('VIREO_DOCUMENT_STUDIES'));
const SHOTS = process.env.VIREO_SCREENSHOTS;

await run('documents end-to-end', async ({ page, check }) => {
  await signIn(page, BASE, env('VIREO_USER'), env('VIREO_PASSWORD'));
  if (process.env.VIREO_RENDERER) await page.evaluate((r) => localStorage.setItem('vireo.viewer.renderer', r), process.env.VIREO_RENDERER);
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
  await checkAccessible(page, check, 'a structured report');
  await page.dblclick('.series-card[data-kind=images]');
  await page.waitForSelector('[data-viewport-index="0"] .element');
  console.log('back to the images from the report');

  // A segmentation over the CT it was drawn on: coloured where its segment is, and gone when
  // the segment is switched off.
  await page.goto(`${BASE}/viewer/${STUDIES.segmentation}`);
  await page.waitForSelector('[data-viewport-index="0"] .element');
  await page.click('.series-card[data-kind=segmentation]');
  await page.waitForSelector('[data-testid=seg-legend][data-state=shown]', { timeout: 30000 });
  const legend = (await page.$$eval('[data-testid=seg-legend] label', (ls) => ls.map((l) => l.textContent.trim()))).join(', ');
  check(legend.includes('first segment'), `legend: ${legend}`);
  // Painted over the image: the overlay's pixels, within the image's own on the canvas.
  const coloured = () => page.$eval('[data-viewport-index="0"] [data-testid=seg-layer]', (c) => {
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let n = 0;
    for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++;
    return n;
  });
  await page.waitForFunction(() => document.querySelector('[data-viewport-index="0"] [data-testid=image-index]')?.textContent.includes('Im: '));
  let shown = 0;
  for (let t = 0; t < 50 && shown === 0; t++) {
    shown = await coloured();
    if (!shown) await page.waitForTimeout(100);
  }
  check(shown > 100, `segment pixels on the canvas: ${shown}`);
  // The image on screen is covered by its frame's mask, which is all of it but one pixel: the
  // painted mask and the drawn picture share their bounds (a shift of half an image pixel
  // would be ~20 screen pixels).
  const bounds = (selector, inside) => page.$eval(selector, (c, inside) => {
    const copy = document.createElement('canvas');
    [copy.width, copy.height] = [c.width, c.height];
    const g = copy.getContext('2d');
    g.drawImage(c, 0, 0);
    const d = g.getImageData(0, 0, c.width, c.height).data;
    let [x0, y0, x1, y1] = [Infinity, Infinity, -1, -1];
    for (let y = 0; y < c.height; y++) {
      for (let x = 0; x < c.width; x++) {
        const i = (y * c.width + x) * 4;
        if (!(inside === 'alpha' ? d[i + 3] > 0 : d[i] + d[i + 1] + d[i + 2] > 60)) continue;
        [x0, y0, x1, y1] = [Math.min(x0, x), Math.min(y0, y), Math.max(x1, x), Math.max(y1, y)];
      }
    }
    return [x0 / c.width, y0 / c.height, (x1 + 1) / c.width, (y1 + 1) / c.height];
  }, inside);
  const picture = await bounds('[data-viewport-index="0"] .element canvas', 'colour');
  const painted = await bounds('[data-viewport-index="0"] [data-testid=seg-layer]', 'alpha');
  const apart = Math.max(...picture.map((v, i) => Math.abs(v - painted[i])));
  check(apart < 0.01, `the mask is not on the picture: ${painted.map((v) => v.toFixed(3))} vs ${picture.map((v) => v.toFixed(3))}`);
  // Two images on, the mask covers the image's left part (as stored): its centre, within the
  // picture, moves with the picture when it is flipped, then turned a quarter clockwise.
  await page.focus('[data-viewport-index="0"] .element');
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('ArrowDown');
  await page.waitForFunction(() => document.querySelector('[data-viewport-index="0"] [data-testid=image-index]')?.textContent.includes('Im: 3/4'));
  const centre = () => page.evaluate(() => {
    const pixels = (c) => {
      const copy = document.createElement('canvas');
      [copy.width, copy.height] = [c.width, c.height];
      const g = copy.getContext('2d');
      g.drawImage(c, 0, 0);
      return { d: g.getImageData(0, 0, c.width, c.height).data, w: c.width, h: c.height };
    };
    const image = pixels(document.querySelector('[data-viewport-index="0"] .element canvas'));
    const mask = pixels(document.querySelector('[data-viewport-index="0"] [data-testid=seg-layer]'));
    let [x0, y0, x1, y1] = [Infinity, Infinity, -1, -1];
    for (let y = 0; y < image.h; y++) for (let x = 0; x < image.w; x++) {
      const i = (y * image.w + x) * 4;
      if (image.d[i] + image.d[i + 1] + image.d[i + 2] > 60) [x0, y0, x1, y1] = [Math.min(x0, x), Math.min(y0, y), Math.max(x1, x), Math.max(y1, y)];
    }
    let [sx, sy, n] = [0, 0, 0];
    for (let y = 0; y < mask.h; y++) for (let x = 0; x < mask.w; x++) {
      if (mask.d[(y * mask.w + x) * 4 + 3] === 0) continue;
      sx += x / mask.w;
      sy += y / mask.h;
      n++;
    }
    // The mask's centre in the picture's own box, 0-1 across and down.
    const [px0, py0, pw, ph] = [x0 / image.w, y0 / image.h, (x1 + 1 - x0) / image.w, (y1 + 1 - y0) / image.h];
    return n ? [(sx / n - px0) / pw, (sy / n - py0) / ph] : null;
  });
  // The mask covers the patient's right side of this slice (the image's left, as stored): its
  // centre must lie towards the edge the viewer labels R, as hung, flipped and turned.
  const settle = () => page.waitForTimeout(300);
  const towardsRight = async (state) => {
    await settle();
    const c = await centre();
    const letters = Object.fromEntries(await Promise.all(['top', 'bottom', 'left', 'right'].map(async (edge) =>
      [edge, (await page.textContent(`[data-viewport-index="0"] [data-testid=orientation-${edge}]`).catch(() => '')) ?? ''])));
    const edge = Object.keys(letters).find((e) => letters[e].startsWith('R'));
    const direction = { top: [0, -1], bottom: [0, 1], left: [-1, 0], right: [1, 0] }[edge];
    const lean = c && direction ? (c[0] - 0.5) * direction[0] + (c[1] - 0.5) * direction[1] : 0;
    check(lean > 0.15, `${state}: the mask's centre ${c} is not towards R (${JSON.stringify(letters)})`);
    return `${state} R ${edge}`;
  };
  const states = [await towardsRight('as hung')];
  await page.click('.toolbar button:text-is("Flip H")');
  states.push(await towardsRight('flipped'));
  await page.click('.toolbar button:text-is("Rotate")');
  states.push(await towardsRight('turned'));
  console.log(`segmentation on the patient's right: ${states.join(', ')}`);
  await page.click('.toolbar button:text-is("Reset")');
  const at = await page.textContent('[data-viewport-index="0"] [data-testid=image-index]');
  if (SHOTS) await page.screenshot({ path: join(SHOTS, 'viewer-segmentation.png') });
  await checkAccessible(page, check, 'the viewer with a segmentation');
  await page.uncheck('[data-testid=seg-legend] label[data-segment="1"] input');
  let left = shown;
  for (let t = 0; t < 50 && left > 0; t++) {
    await page.waitForTimeout(100);
    left = await coloured();
  }
  check(left === 0, `segment hidden, yet ${left} coloured pixels`);
  await page.click('[data-testid=seg-legend] button:text-is("Hide")');
  await page.waitForSelector('[data-testid=seg-legend]', { state: 'detached' });
  console.log(`segmentation: "${legend}" over ${at.split('\n').pop()}: ${shown} coloured pixels, none once hidden`);

  // A waveform says what it is, never that an image is missing.
  for (const [kind, key, expect] of [['waveform', 'ecg', /12 channels, 10(\.0)? s/]]) {
    await page.goto(`${BASE}/viewer/${STUDIES[key]}`);
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
  // (a radiologist's home is the reading worklist: the study list is /studies)
  check(new URL(page.url()).pathname === '/studies', `back to ${page.url()}`);
  await page.goto(`${BASE}/viewer/1.2.826.0.1.3680043.99999.1`);
  await page.waitForSelector('[data-testid=study-not-found]', { timeout: 20000 });
  check(await page.locator('.toolbar button').count() === 0, 'tools over a study that is not there');
  if (SHOTS) await page.screenshot({ path: join(SHOTS, 'study-not-found.png') });
  console.log('not found: /settings and an unknown study say so, with a way back; /admin is not for a radiologist');
}, async (page, failures) => {
  failures.push(`on the page: ${(await page.textContent('main').catch(() => '')).slice(0, 500)}`);
  if (SHOTS) await page.screenshot({ path: join(SHOTS, 'documents-failure.png') }).catch(() => undefined);
});
