// End-to-end: Debian's Chromium, driven by playwright-core, uses the web application of a
// running `vireo serve` as a radiologist would: sign in (setting up the second factor the
// role requires), open a CT from the worklist, see it, scroll, change the window, measure
// a length on an image with known pixel spacing, and find it again after a reload.
//
// Environment: VIREO_URL (https://127.0.0.1:PORT), VIREO_USER, VIREO_PASSWORD, VIREO_STUDY
// (a CT of 512×512 slices, Pixel Spacing VIREO_SPACING mm), VIREO_SLICES;
// VIREO_SCREENSHOTS: a folder for screenshots (optional).
import { join } from 'node:path';
import { drawLength, firstImageDrawn, launch, signIn } from './session.mjs';

const env = (name) => {
  const v = process.env[name];
  if (!v) throw new Error(`set ${name}`);
  return v;
};
const BASE = env('VIREO_URL');
const STUDY = env('VIREO_STUDY');
const SLICES = Number(env('VIREO_SLICES'));
const SPACING = Number(env('VIREO_SPACING'));
const SHOTS = process.env.VIREO_SCREENSHOTS;

function check(condition, message) {
  if (!condition) throw new Error(message);
}

// Measurement labels follow the drag a frame behind: read one once it stops changing.
async function settled(read) {
  let text = '', before = '';
  for (let i = 0; i < 50 && (text === '' || text !== before); i++) {
    before = text;
    await new Promise((r) => setTimeout(r, 100));
    text = await read();
  }
  return text;
}

// The tools of the measurements the server holds for this user on a study, once there are any.
async function savedTools(page, study) {
  let tools = [];
  for (let i = 0; i < 50 && tools.length === 0; i++) {
    await new Promise((r) => setTimeout(r, 200));
    tools = await page.evaluate(async (uid) =>
      (await (await fetch(`/api/studies/${uid}/annotations`)).json()).annotations.map((a) => a.metadata.toolName), study);
  }
  return tools;
}

// Until a series card shows all `n` of its images loaded.
function seriesLoaded(page, n) {
  return page.waitForFunction((k) => [...document.querySelectorAll('.series-card .progress')]
    .some((p) => p.dataset.loaded === String(k) && p.dataset.total === String(k)), n, { timeout: 30000 });
}

async function nonBlankPixels(page) {
  return page.evaluate(() => {
    const canvas = document.querySelector('.viewport .element canvas');
    if (!canvas) return -1;
    const ctx = canvas.getContext('2d');
    const { data } = ctx.getImageData(0, 0, canvas.width, canvas.height);
    let n = 0;
    for (let i = 0; i < data.length; i += 4) if (data[i] > 8 || data[i + 1] > 8 || data[i + 2] > 8) n++;
    return n;
  });
}

const failures = [];
const { page, close } = await launch();
try {
  page.on('pageerror', (e) => failures.push(`page error: ${e.message}`));
  page.on('console', (m) => m.type() === 'error' && console.error('browser console:', m.text()));

  // Sign in; the radiologist role needs a second factor, set up on first sign-in.
  await signIn(page, BASE, env('VIREO_USER'), env('VIREO_PASSWORD'));
  // A radiologist's home is the reading worklist; the study list is a link away.
  await page.click('header a:text-is("Study list")');

  // The worklist lists the study; opening it shows the first slice.
  const row = page.locator(`tr[data-study="${STUDY}"]`);
  await row.waitFor();
  check((await page.evaluate(() => window.crossOriginIsolated)) === true, 'the page is not cross-origin isolated');
  if (SHOTS) await page.screenshot({ path: join(SHOTS, 'worklist.png') });
  // The first image before anything else: no other frame, thumbnail, saved measurements,
  // AI findings or other studies are asked for until its frame has come.
  const requests = [];
  const onRequest = (r) => requests.push({ url: r.url(), at: Date.now() });
  const onFinished = (r) => r.url().includes('/frames/') && requests.push({ url: r.url(), at: Date.now(), done: true });
  page.on('request', onRequest);
  page.on('requestfinished', onFinished);
  const opened = Date.now();
  await row.click();
  const index = page.locator('[data-testid=image-index]').first();
  await page.waitForFunction((n) => document.querySelector('[data-testid=image-index]')?.textContent?.includes(`Im: 1/${n}`), SLICES);
  await firstImageDrawn(page);
  console.log(`first image ${Date.now() - opened} ms after the click`);
  await page.waitForFunction(() => document.querySelector('.series-card img'));
  await seriesLoaded(page, SLICES);
  page.off('request', onRequest);
  page.off('requestfinished', onFinished);
  // The rest of the series in one request (its pixel data), not one per image.
  const imageRequests = requests.filter((r) => !r.done && /\/frames\/\d+$|\/pixeldata$/.test(r.url)).map((r) => r.url);
  check(imageRequests.length === 2 && imageRequests[1].endsWith(`/pixeldata`),
    `the series was fetched as ${imageRequests.length} requests: ${imageRequests.slice(0, 4).join(', ')}`);
  const firstFrame = requests.findIndex((r) => r.done);
  const early = requests.slice(0, firstFrame).filter((r) => /\/frames\/|thumbnail|annotations|ai\/findings|studies\?PatientID/.test(r.url));
  check(firstFrame > 0 && early.length === 1 && early[0].url.includes('/frames/'),
    `asked for before the first image's frame came: ${early.map((r) => r.url).join(', ')}`);
  const later = requests.slice(firstFrame).map((r) => r.url);
  check(['thumbnail', 'annotations', 'ai/findings'].every((k) => later.some((u) => u.includes(k))),
    `not asked for once the first image was drawn: ${later.join(', ')}`);
  const lit = await nonBlankPixels(page);
  check(lit > 10000, `the canvas shows almost nothing (${lit} lit pixels)`);
  if (SHOTS) await page.screenshot({ path: join(SHOTS, 'viewer-ct.png') });

  // The AI layer: off until asked for, then the findings on this image outlined where the
  // image has them (VIREO_AI_FINDINGS: what the test sent; the first is on this slice).
  const FINDINGS = JSON.parse(process.env.VIREO_AI_FINDINGS ?? '[]');
  if (FINDINGS.length) {
    const element0 = await page.locator('.viewport .element').first().boundingBox();
    const toggle = page.locator('[data-testid=ai-toggle]');
    await page.waitForFunction((n) => document.querySelector('[data-testid=ai-toggle]')?.textContent === `AI (${n})`, FINDINGS.length);
    check(await page.locator('[data-testid=ai-layer]').count() === 0, 'AI findings are shown before the reader asks');
    await toggle.click();
    const f = FINDINGS[0];
    const drawn = page.locator(`[data-testid=ai-layer] g[data-finding="${f.id}"]`);
    await drawn.waitFor();
    const label = await drawn.locator('text').textContent();
    check(label === `AI suggestion: ${f.label} ${Math.round(f.confidence * 100)}%`, `AI label: ${label}`);
    check((await page.textContent('[data-testid=ai-badge]')).includes('not a diagnosis'), 'the AI layer is not marked as suggestions');
    // The outline's geometry (getBBox, without the stroke) placed on the page.
    const outline = await drawn.locator('polygon').evaluate((p) => {
      const b = p.getBBox();
      const svg = p.ownerSVGElement.getBoundingClientRect();
      return { x: svg.x + b.x, y: svg.y + b.y, width: b.width, height: b.height };
    });
    const scale = Math.min(element0.width, element0.height) / 512;
    const [[x0, y0], [x1, y1]] = f.points;
    const want = { x: element0.x + element0.width / 2 + (x0 - 256) * scale, y: element0.y + element0.height / 2 + (y0 - 256) * scale,
      width: (x1 - x0) * scale, height: (y1 - y0) * scale };
    for (const k of ['x', 'y', 'width', 'height']) {
      check(Math.abs(outline[k] - want[k]) < 4, `AI box ${k} ${outline[k].toFixed(1)}, expected ${want[k].toFixed(1)}`);
    }
    if (SHOTS) await page.screenshot({ path: join(SHOTS, 'viewer-ai-layer.png') });
    await toggle.click();
    await page.waitForFunction(() => !document.querySelector('[data-testid=ai-layer]'));
    console.log(`AI layer: ${FINDINGS.length} findings, "${label}" outlined on its image, hidden again`);
  }

  // A prior of the same patient beside it, scrolling together (VIREO_PRIOR_STUDY).
  const PRIOR = process.env.VIREO_PRIOR_STUDY;
  if (PRIOR) {
    const indexOf = (i) => page.evaluate((k) => document.querySelectorAll('[data-testid=image-index]')[k]?.textContent ?? '', i);
    await page.locator(`.prior[data-prior="${PRIOR}"] button:text-is("Compare")`).click();
    // Same name and Patient ID under another issuer: another patient, not offered.
    const OTHER = process.env.VIREO_OTHER_PATIENT_STUDY;
    if (OTHER) check(await page.locator(`.prior[data-prior="${OTHER}"]`).count() === 0,
      'a study of another hospital\'s patient with the same Patient ID is offered as a prior');
    await page.waitForFunction((n) => (document.querySelectorAll('[data-testid=image-index]')[1]?.textContent ?? '').includes(`Im: 1/${n}`), SLICES);
    check(await page.getAttribute('[data-testid=link-toggle]', 'aria-pressed') === 'true', 'comparing does not link the viewports');
    check((await indexOf(1)).includes('2014-01-01'), `the second viewport does not show the prior: ${await indexOf(1)}`);
    const viewports = page.locator('.viewport .element');
    await viewports.nth(0).focus();
    for (let i = 0; i < 5; i++) await page.keyboard.press('ArrowDown');
    await page.waitForFunction(() => (document.querySelectorAll('[data-testid=image-index]')[1]?.textContent ?? '').includes('Im: 6/'));
    // And the other way: the wheel over the prior moves the current study.
    const prior = await viewports.nth(1).boundingBox();
    await page.mouse.move(prior.x + prior.width / 2, prior.y + prior.height / 2);
    await page.mouse.wheel(0, 120);
    await page.waitForFunction(() => (document.querySelectorAll('[data-testid=image-index]')[0]?.textContent ?? '').includes('Im: 7/'));
    // Each viewport draws the square image square after the layout change (no stretching):
    // the phantom's width/height ratio is the same in both and as in the 1×1 layout.
    const aspect = await page.evaluate(() => [...document.querySelectorAll('.viewport .element canvas')].map((c) => {
      const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
      let x0 = c.width, x1 = 0, y0 = c.height, y1 = 0;
      for (let y = 0; y < c.height; y += 2) for (let x = 0; x < c.width; x += 2) {
        if (d[(y * c.width + x) * 4] > 40) { x0 = Math.min(x0, x); x1 = Math.max(x1, x); y0 = Math.min(y0, y); y1 = Math.max(y1, y); }
      }
      return (x1 - x0) / (y1 - y0);
    }));
    check(aspect.length === 2 && aspect.every((a) => Math.abs(a - 4 / 3) < 0.12), `the phantom's width/height on screen: ${aspect.map((a) => a.toFixed(2))}, expected 1.33`);
    if (SHOTS) await page.screenshot({ path: join(SHOTS, 'viewer-prior-linked.png') });
    console.log(`prior side by side: linked scrolling both ways (${(await indexOf(0)).split('\n').pop()} | ${(await indexOf(1)).split('\n').pop()})`);
    // A measurement on the prior is saved with the prior.
    await drawLength(page, [prior.x + prior.width / 2 - 40, prior.y + prior.height / 2 + 40],
      [prior.x + prior.width / 2 + 40, prior.y + prior.height / 2 + 40], 5);
    const onPrior = await savedTools(page, PRIOR);
    check(JSON.stringify(onPrior) === '["Length"]', `saved on the prior: ${JSON.stringify(onPrior)}`);
    await page.click('button:text-is("W/L")');
    console.log('a length on the prior is saved with the prior');
    await page.click('button:text-is("1x1")');
    await page.waitForFunction(() => document.querySelectorAll('.viewport').length === 1);
  }

  // MPR: the series as a volume in three planes, with crosshairs; moving the sagittal line in
  // the axial plane moves the sagittal plane (to the patient's left: +x).
  await page.click('[data-testid=mpr-toggle]');
  await page.waitForFunction(() => {
    const canvases = [...document.querySelectorAll('.mpr .viewport .element canvas')];
    return canvases.length === 3 && canvases.every((c) => {
      const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
      let n = 0;
      for (let i = 0; i < d.length; i += 16) if (d[i] > 40) n++;
      return n > 500;
    });
  }, null, { timeout: 30000 });
  const focal = (plane) => page.getAttribute(`.mpr [data-plane=${plane}]`, 'data-focal').then((f) => f.split(',').map(Number));
  const sagittalBefore = await focal('sagittal');
  const axialBox = await page.locator('.mpr [data-plane=axial]').boundingBox();
  // Drag the axial plane's sagittal line (the vertical one) 60 px to the right.
  const lineX = axialBox.x + axialBox.width / 2, lineY = axialBox.y + axialBox.height / 2 + 90;
  await page.mouse.move(lineX, lineY);
  await page.mouse.down();
  await page.mouse.move(lineX + 60, lineY, { steps: 6 });
  await page.mouse.up();
  await page.waitForFunction((x) => Number(document.querySelector('.mpr [data-plane=sagittal]').dataset.focal.split(',')[0]) > x + 5,
    sagittalBefore[0]);
  const sagittalAfter = await focal('sagittal');
  console.log(`MPR: three planes drawn; the sagittal plane moved ${(sagittalAfter[0] - sagittalBefore[0]).toFixed(1)} mm with the crosshairs`);
  // Windowing in MPR: a preset sets the three planes; W/L on the left button drags one.
  const mprWindows = () => page.$$eval('.mpr [data-testid=mpr-window]', (els) => els.map((e) => e.textContent));
  await page.selectOption('select[aria-label="Window preset"]', { label: 'Bone (1800/400)' });
  await page.waitForFunction(() => [...document.querySelectorAll('.mpr [data-testid=mpr-window]')]
    .filter((e) => e.textContent === 'W: 1800 L: 400').length === 3);
  await page.click('button:text-is("W/L")');
  const coronalBox = await page.locator('.mpr [data-plane=coronal]').boundingBox();
  const wx = coronalBox.x + coronalBox.width / 4, wy = coronalBox.y + coronalBox.height / 4;
  await page.mouse.move(wx, wy);
  await page.mouse.down();
  await page.mouse.move(wx + 80, wy + 40, { steps: 8 });
  await page.mouse.up();
  await page.waitForFunction(() => [...document.querySelectorAll('.mpr [data-testid=mpr-window]')]
    .some((e) => e.textContent !== 'W: 1800 L: 400'));
  const sagittalStill = await focal('sagittal');
  check(sagittalStill[0] === sagittalAfter[0], 'the W/L drag moved the crosshairs');
  console.log(`MPR windowing: the Bone preset on all three planes, then a drag: ${(await mprWindows()).join(' | ')}`);
  if (SHOTS) await page.screenshot({ path: join(SHOTS, 'viewer-mpr.png') });
  await page.click('button:text-is("Crosshairs")');
  await page.click('[data-testid=mpr-toggle]');
  await page.waitForFunction(() => !document.querySelector('.mpr') && document.querySelectorAll('.viewport .element canvas').length === 1);

  // Scroll with the wheel and the keyboard.
  const element = page.locator('.viewport .element').first();
  const box = await element.boundingBox();
  const cx = box.x + box.width / 2, cy = box.y + box.height / 2;
  await page.mouse.move(cx, cy);
  await page.mouse.wheel(0, 120);
  await page.waitForFunction(() => !document.querySelector('[data-testid=image-index]').textContent.includes('Im: 1/'));
  const afterWheel = await index.textContent();
  await element.focus();
  await page.keyboard.press('End');
  await page.waitForFunction((n) => document.querySelector('[data-testid=image-index]').textContent.includes(`Im: ${n}/${n}`), SLICES);
  console.log(`scrolled: ${afterWheel.trim().split('\n').pop()} then the last slice`);

  // Window/level by dragging with the left button (the default tool).
  const windowBefore = await page.textContent('[data-testid=window]');
  await page.mouse.move(cx, cy);
  await page.mouse.down();
  await page.mouse.move(cx + 80, cy + 40, { steps: 8 });
  await page.mouse.up();
  await page.waitForFunction((w) => document.querySelector('[data-testid=window]').textContent !== w, windowBefore);
  const windowAfter = await page.textContent('[data-testid=window]');
  check(/W: \d+ L: -?\d+/.test(windowAfter), `window overlay: ${windowAfter}`);
  console.log(`window ${windowBefore} -> ${windowAfter}`);

  // The keys of other workstations: a digit is the preset at that place in the Window… menu,
  // R resets (the stored window again).
  const presetLabels = await page.locator('select[aria-label="Window preset"] option').allTextContents();
  const lung = presetLabels.slice(1).findIndex((l) => l.startsWith('Lung ('));
  check(lung >= 0 && lung < 9, `no Lung preset among the first nine: ${presetLabels.join(', ')}`);
  await page.keyboard.press(String(lung + 1));
  await page.waitForFunction(() => document.querySelector('[data-testid=window]').textContent.endsWith('W: 1500 L: -600'));
  await page.keyboard.press('r');
  await page.waitForFunction((w) => document.querySelector('[data-testid=window]').textContent === w, windowBefore);
  console.log(`key ${lung + 1}: lung window; R: ${windowBefore.split('\n').pop()} again`);

  // Orientation letters at the edges follow flips; the scale bar is calibrated.
  const edges = () => page.evaluate(() => Object.fromEntries(['top', 'bottom', 'left', 'right'].map((e) =>
    [e, document.querySelector(`[data-testid=orientation-${e}]`)?.textContent])));
  const axial = await edges();
  check(JSON.stringify(axial) === JSON.stringify({ top: 'A', bottom: 'P', left: 'R', right: 'L' }), `axial markers ${JSON.stringify(axial)}`);
  await page.click('button:text-is("Flip H")');
  await page.waitForFunction(() => document.querySelector('[data-testid=orientation-right]')?.textContent === 'R');
  await page.click('button:text-is("Flip H")');
  await page.waitForFunction(() => document.querySelector('[data-testid=orientation-right]')?.textContent === 'L');
  const bar = await page.evaluate(() => {
    const el = document.querySelector('[data-testid=scale-bar]');
    return el && { label: el.querySelector('span').textContent, width: el.querySelector('div').getBoundingClientRect().width };
  });
  check(bar, 'no scale bar on a calibrated image');
  const [, value, unit] = /([\d.]+) (mm|cm)/.exec(bar.label);
  const barMm = Number(value) * (unit === 'cm' ? 10 : 1);
  const screenMmPerPx = (SPACING * 512) / Math.min(box.width, box.height);
  check(Math.abs(barMm / bar.width - screenMmPerPx) / screenMmPerPx < 0.03,
    `scale bar ${bar.label} over ${bar.width} px; the image has ${screenMmPerPx.toFixed(3)} mm per screen pixel`);
  console.log(`markers A/P/R/L, flipped R; scale bar ${bar.label} = ${bar.width.toFixed(0)} px`);

  // De-identified overlays for teaching: nothing on the page names the patient.
  const name = (await page.textContent('[data-testid=patient-overlay]')).split('\n')[0];
  check(name.length > 3, `patient overlay: ${name}`);
  await page.selectOption('select[aria-label=Overlay]', 'deidentified');
  await page.waitForFunction(() => document.querySelector('[data-testid=patient-overlay]').textContent === '');
  const visible = await page.evaluate(() => document.body.innerText);
  check(!visible.includes(name) && !visible.includes(name.split(',')[0]), 'the patient is still named on a de-identified screen');
  check(visible.includes('Im: '), 'the de-identified overlay still numbers the images');
  if (SHOTS) await page.screenshot({ path: join(SHOTS, 'viewer-deidentified.png') });
  await page.selectOption('select[aria-label=Overlay]', 'full');
  console.log('de-identified overlay: the patient is not named');

  // A length across 200 screen pixels; the image (512 columns) is fitted to the viewport's
  // smaller side, so the expected length follows from the pixel spacing.
  await drawLength(page, [cx - 100, cy], [cx + 100, cy], 10);
  const label = page.locator('.viewport svg text', { hasText: 'mm' }).first();
  await label.waitFor();
  const text = await settled(() => label.textContent());
  const shown = Number(/([\d.]+)\s*mm/.exec(text)[1]);
  const expected = (200 * SPACING * 512) / Math.min(box.width, box.height);
  check(Math.abs(shown - expected) / expected < 0.05, `length shows ${shown} mm, expected about ${expected.toFixed(1)} mm`);
  console.log(`length ${shown} mm (expected ${expected.toFixed(1)})`);
  if (SHOTS) await page.screenshot({ path: join(SHOTS, 'viewer-length.png') });

  // The measurement is saved for this user and study, and is there again after a reload.
  check(JSON.stringify(await savedTools(page, STUDY)) === '["Length"]', 'the length was not saved with the study');
  await page.waitForFunction(() => document.querySelector('[data-testid=save-state]')?.textContent === 'Measurements saved');
  await page.reload();
  await page.waitForFunction((n) => document.querySelector('[data-testid=image-index]')?.textContent?.includes(`Im: 1/${n}`), SLICES);
  await element.focus();
  await page.keyboard.press('End'); // the slice it was drawn on
  const again = page.locator('.viewport svg text', { hasText: 'mm' }).first();
  await again.waitFor();
  const restored = Number(/([\d.]+)\s*mm/.exec(await again.textContent())[1]);
  check(Math.abs(restored - shown) < 0.5, `after a reload the length shows ${restored} mm, not ${shown} mm`);
  console.log(`length ${restored} mm again after a reload`);

  // These machines' WebGL is software, so stacks draw on the CPU; a GPU's WebGL path is the
  // same viewer with the other renderer: asked for here, it shows the image and the length.
  const renderer = () => page.evaluate(() => window.vireoViewer?.rendering);
  check(await renderer() === 'cpu', `stacks drawn by ${await renderer()} on a software rasterizer`);
  await page.evaluate(() => localStorage.setItem('vireo.viewer.renderer', 'webgl'));
  await page.reload();
  await firstImageDrawn(page);
  check(await renderer() === 'webgl', `asked for WebGL, drawn by ${await renderer()}`);
  check(await nonBlankPixels(page) > 10000, 'WebGL: the canvas shows almost nothing');
  await element.focus();
  await page.keyboard.press('End');
  const onGl = page.locator('.viewport svg text', { hasText: 'mm' }).first();
  await onGl.waitFor();
  const glLength = Number(/([\d.]+)\s*mm/.exec(await onGl.textContent())[1]);
  check(Math.abs(glLength - shown) < 0.5, `WebGL: the length shows ${glLength} mm, not ${shown} mm`);
  await page.evaluate(() => localStorage.removeItem('vireo.viewer.renderer'));
  await page.reload();
  await firstImageDrawn(page);
  console.log(`WebGL path: image drawn, length ${glLength} mm`);

  // Region statistics in Hounsfield units: the phantom's core is 300 HU with noise of SD 12.
  await page.keyboard.press('Home');
  await page.waitForFunction(() => document.querySelector('[data-testid=image-index]').textContent.includes('Im: 1/'));
  for (const [tool, slice] of [['Rectangle', 1], ['Ellipse', 2]]) {
    if (slice > 1) {
      await element.focus();
      await page.keyboard.press('ArrowDown');
      await page.waitForFunction((k) => document.querySelector('.viewport .element')?.getAttribute('data-rendered') === String(k - 1), slice);
    }
    await page.click(`button:text-is("${tool}")`);
    // A rectangle is drawn corner to corner, an ellipse from its centre out: both 50 px across.
    if (tool === 'Rectangle') await page.mouse.move(cx - 25, cy - 25);
    else await page.mouse.move(cx, cy);
    await page.mouse.down();
    await page.mouse.move(cx + 25, cy + 25, { steps: 6 });
    await page.mouse.up();
    await page.waitForFunction(() => [...document.querySelectorAll('.viewport svg text')].some((t) => /Std Dev: [\d.]+ HU/.test(t.textContent)));
    const stats = await settled(() => page.evaluate(() =>
      [...document.querySelectorAll('.viewport svg text')].map((t) => t.textContent).join(' | ')));
    const mean = Number(/Mean: (-?[\d.]+) HU/.exec(stats)[1]);
    const sd = Number(/Std Dev: ([\d.]+) HU/.exec(stats)[1]);
    const area = Number(/Area: ([\d.]+) mm/.exec(stats)[1]);
    const side = (50 * SPACING * 512) / Math.min(box.width, box.height);
    const expectedArea = tool === 'Rectangle' ? side * side : (Math.PI * side * side) / 4;
    check(Math.abs(mean - 300) < 6, `${tool}: mean ${mean} HU, expected about 300`);
    check(sd > 8 && sd < 16, `${tool}: SD ${sd} HU, expected about 12`);
    check(Math.abs(area - expectedArea) / expectedArea < 0.15, `${tool}: area ${area} mm², expected about ${expectedArea.toFixed(0)}`);
    console.log(`${tool} ROI: mean ${mean} HU, SD ${sd} HU, area ${area} mm²`);
  }
  if (SHOTS) await page.screenshot({ path: join(SHOTS, 'viewer-roi.png') });

  // The measurements into the study as a DICOM SR (TID 1500): the length and both regions.
  await page.click('[data-testid=export-sr]');
  await page.waitForFunction(() => /Saved as DICOM SR|SR not saved/.test(document.querySelector('[data-testid=sr-state]')?.textContent ?? ''));
  const exported = await page.textContent('[data-testid=sr-state]');
  check(exported === 'Saved as DICOM SR: 3 measurements', `export: ${exported}`);
  console.log(`SR export: ${exported}`);

  // Bad data: an image without pixel spacing says its measurements are in pixels; a damaged
  // image says it cannot be shown while the rest of its series still can.
  const NO_SPACING = process.env.VIREO_NOSPACING_STUDY;
  const DAMAGED = process.env.VIREO_DAMAGED_STUDY;
  if (NO_SPACING) {
    await page.click('text=← Worklist');
    await page.locator(`tr[data-study="${NO_SPACING}"]`).click();
    await page.waitForSelector('.viewport .calibration:has-text("No pixel spacing")');
    console.log('no pixel spacing: said so');
  }
  if (DAMAGED) {
    await page.click('text=← Worklist');
    await page.locator(`tr[data-study="${DAMAGED}"]`).click();
    await page.waitForFunction(() => /Im: 1\/\d+/.test(document.querySelector('[data-testid=image-index]')?.textContent ?? ''));
    const n = Number(/Im: 1\/(\d+)/.exec(await page.textContent('[data-testid=image-index]'))[1]);
    await page.locator('.viewport .element').first().focus();
    let refused = 0, shownOk = 0;
    for (let i = 1; i <= n; i++) {
      if (i > 1) await page.keyboard.press('ArrowDown');
      // Each position either reaches the canvas or says it cannot be shown.
      const outcome = await page.waitForFunction((k) => {
        if (!(document.querySelector('[data-testid=image-index]')?.textContent ?? '').includes(`Im: ${k}/`)) return false;
        if (document.querySelector('.viewport .notice[role=alert]')) return 'refused';
        return document.querySelector('.viewport .element')?.getAttribute('data-rendered') === String(k - 1) ? 'shown' : false;
      }, i).then((h) => h.jsonValue());
      if (outcome === 'shown') {
        shownOk++;
      } else {
        refused++;
        check((await page.textContent('.viewport .notice[role=alert]')).includes('cannot be shown'), 'the notice says why');
        if (SHOTS) await page.screenshot({ path: join(SHOTS, 'viewer-damaged-image.png') });
      }
    }
    check(refused === 1, `${refused} images said they cannot be shown, expected exactly the damaged one`);
    check(shownOk === n - 1, `only ${shownOk} of ${n} images were shown`);
    console.log(`damaged image: refused with a notice, the other ${n - 1} shown`);
  }

  // An encoding no browser codec reads (video): the viewport names it and says what to do.
  const UNSUPPORTED = process.env.VIREO_UNSUPPORTED_STUDY;
  if (UNSUPPORTED) {
    await page.click('text=← Worklist');
    await page.locator(`tr[data-study="${UNSUPPORTED}"]`).click();
    const notice = page.locator('.viewport .notice[role=alert]');
    await notice.waitFor();
    const said = await notice.textContent();
    check(said.includes('MPEG-4 AVC/H.264 video') && said.includes('cannot decode'), `unsupported syntax notice: ${said}`);
    if (SHOTS) await page.screenshot({ path: join(SHOTS, 'viewer-unsupported-syntax.png') });
    console.log('unsupported transfer syntax: named in the viewport');
  }

  // An archive without the Pixel Data resource (another PACS behind the viewer): the series
  // still loads whole, one request per image. A new page, so that no image is cached.
  await page.route('**/pixeldata', (r) => r.fulfill({ status: 404, contentType: 'application/problem+json', body: '{"title":"Not Found"}' }));
  const alone = new Set();
  const onAlone = (r) => /\/frames\/\d+$/.test(r.url()) && alone.add(r.url());
  page.on('request', onAlone);
  await page.goto(`${BASE}/viewer/${STUDY}`);
  await firstImageDrawn(page);
  await seriesLoaded(page, SLICES);
  page.off('request', onAlone);
  await page.unroute('**/pixeldata');
  check(alone.size === SLICES, `without the pixel data resource, ${alone.size} of ${SLICES} images were fetched alone`);
  console.log(`without the pixel data resource: ${alone.size} images, one request each`);

  // A multi-frame object (an XA cine, JPEG baseline): one image per frame, each a part of
  // its series' pixel data (.../frames/N), decoded in the browser, scrolled like a series.
  const CINE = process.env.VIREO_MULTIFRAME_STUDY;
  if (CINE) {
    const frames = Number(env('VIREO_MULTIFRAME_FRAMES'));
    await page.click('text=← Worklist');
    await page.locator(`tr[data-study="${CINE}"]`).click();
    await firstImageDrawn(page);
    const at = () => page.textContent('[data-testid=image-index]');
    check((await at()).includes(`Im: 1/${frames} (frame 1)`), `multi-frame: ${await at()}`);
    await page.locator('.viewport .element').first().focus();
    await page.keyboard.press('End');
    await page.waitForFunction((n) => document.querySelector('.viewport .element')?.dataset.rendered === String(n - 1), frames);
    check((await at()).includes(`Im: ${frames}/${frames} (frame ${frames})`), `multi-frame, last: ${await at()}`);
    check(await nonBlankPixels(page) > 1000, 'multi-frame: the last frame shows almost nothing');
    console.log(`multi-frame: ${frames} frames, the last one drawn`);

    // Cine at a chosen rate, changed while it plays; back to the object's own (Frame Time 33 ms).
    const position = async () => Number(/Im: (\d+)\//.exec(await at())[1]);
    await page.selectOption('select[aria-label="Cine rate"]', '5');
    await page.click('button:text-is("Cine")');
    await page.waitForFunction(() => document.querySelector('[data-testid=image-index]').textContent.includes('Cine 5/s'));
    const from = await position();
    await page.waitForTimeout(2000);
    const slow = (await position() - from + frames) % frames;
    check(slow >= 1 && slow <= 14, `cine at 5/s moved ${slow} frames in 2 s`);
    await page.selectOption('select[aria-label="Cine rate"]', '');
    await page.waitForFunction(() => document.querySelector('[data-testid=image-index]').textContent.includes('Cine 30/s'));
    await page.keyboard.press('c');
    await page.waitForFunction(() => !document.querySelector('[data-testid=image-index]').textContent.includes('Cine'));
    console.log(`cine: ${slow} frames in 2 s at 5/s, then the object's own 30/s, stopped by C`);
  }

  // Compressed studies: frames come as stored (no transcoding on the server) and are
  // decoded by the browser's codecs. VIREO_COMPRESSED_STUDIES: "study=transfer-syntax,...".
  for (const entry of (process.env.VIREO_COMPRESSED_STUDIES ?? '').split(',').filter(Boolean)) {
    const [uid, syntax] = entry.split('=');
    const types = [];
    const onResponse = (r) => r.url().includes(`/studies/${uid}/`) && r.url().includes('/frames/') &&
      types.push(r.headers()['content-type'] ?? '');
    page.on('response', onResponse);
    await page.click('text=← Worklist');
    await page.locator(`tr[data-study="${uid}"]`).click();
    await firstImageDrawn(page);
    page.off('response', onResponse);
    const lit = await nonBlankPixels(page);
    check(lit > 1000, `${syntax}: the canvas shows almost nothing (${lit} lit pixels)`);
    // PS3.18 8.7.3.5: the compressed frame's media type names its syntax family; one frame
    // comes as a single part (PS3.18 8.6), the stored bitstream as it is.
    const media = { '1.2.840.10008.1.2.4.80': 'image/jls', '1.2.840.10008.1.2.4.81': 'image/jls',
      '1.2.840.10008.1.2.4.90': 'image/jp2', '1.2.840.10008.1.2.4.91': 'image/jp2' }[syntax];
    check(media && types.length > 0 && types.every((t) => t === `${media}; transfer-syntax=${syntax}`),
      `${syntax}: frames answered as ${types.join(' | ')}`);
    // The series panel's thumbnail is the archive's own rendering (it decodes the syntax too).
    const thumb = await page.waitForFunction(() => {
      const img = document.querySelector('.series-card img');
      return img?.complete ? { width: img.naturalWidth, hidden: img.style.visibility === 'hidden' } : null;
    }).then((h) => h.jsonValue());
    check(thumb.width > 0 && !thumb.hidden, `${syntax}: the series thumbnail did not load`);
    if (SHOTS) await page.screenshot({ path: join(SHOTS, `viewer-${syntax}.png`) });
    console.log(`${syntax}: decoded in the browser from the stored syntax; thumbnail ${thumb.width} px wide`);
  }

  check(failures.length === 0, failures.join('\n'));
  console.log('viewer end-to-end: ok');
} catch (e) {
  if (SHOTS) await page.screenshot({ path: join(SHOTS, 'failed.png') }).catch(() => undefined);
  throw e;
} finally {
  await close();
}
