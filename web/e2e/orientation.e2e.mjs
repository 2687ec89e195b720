// End-to-end: the orientation cases of tests/fixtures/orientation.json in Chromium. Each case's
// file is a study of its own; the viewer opens it, and the letters at each edge must be the
// fixture's, as opened and after the toolbar's Rotate, Flip H and Flip V (none at all where
// the orientation is not known). Then the mammography hanging: the viewports, their labels,
// mirrors and letters.
//
// Environment: VIREO_URL, VIREO_USER, VIREO_PASSWORD (a radiologist), VIREO_ORIENTATION_STUDIES
// (JSON: {"cases": [study per case], "hanging": [study per hanging]}), VIREO_SCREENSHOTS (optional).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { env, run, signIn } from './session.mjs';

const BASE = env('VIREO_URL');
const STUDIES = JSON.parse(env('VIREO_ORIENTATION_STUDIES'));
const SHOTS = process.env.VIREO_SCREENSHOTS;
const FIXTURE = JSON.parse(readFileSync(new URL('../../tests/fixtures/orientation.json', import.meta.url)));
const BUTTONS = { rotate: 'Rotate', flipH: 'Flip H', flipV: 'Flip V' };
const EDGES = ['top', 'bottom', 'left', 'right'];

// The letters and label a viewport shows; markers null when it shows none.
function shown(page, viewport) {
  return page.evaluate(([i, edges]) => {
    const vp = document.querySelector(`[data-viewport-index="${i}"]`);
    const letters = Object.fromEntries(edges.map((e) => [e, vp?.querySelector(`[data-testid=orientation-${e}]`)?.textContent ?? null]));
    const none = edges.every((e) => letters[e] === null);
    return {
      rendered: Number(vp?.querySelector('.element')?.dataset.rendered ?? -1),
      markers: none ? null : letters,
      label: vp?.querySelector('[data-testid=mammo-view]')?.textContent ?? '',
    };
  }, [viewport, EDGES]);
}

// Until the viewport shows what is expected (the letters follow the camera a frame later), or
// a few seconds have passed; what it shows then.
async function expectShown(page, viewport, markers) {
  let now;
  for (let i = 0; i < 50; i++) {
    now = await shown(page, viewport);
    if (now.rendered >= 0 && JSON.stringify(now.markers) === JSON.stringify(markers)) {
      if (markers !== null) return now;
      // No letters: still none a moment later, when any would have been drawn.
      await new Promise((r) => setTimeout(r, 500));
      return shown(page, viewport);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return now;
}

let windows = 0; // stored windows seen as stored
await run('orientation end-to-end', async ({ page, failures }) => {
  await signIn(page, BASE, env('VIREO_USER'), env('VIREO_PASSWORD'));
  if (process.env.VIREO_RENDERER) await page.evaluate((r) => localStorage.setItem('vireo.viewer.renderer', r), process.env.VIREO_RENDERER);

  for (const [n, c] of FIXTURE.cases.entries()) {
    await page.goto(`${BASE}/viewer/${STUDIES.cases[n]}`);
    await page.waitForFunction(() => Number(document.querySelector('[data-viewport-index="0"] .element')?.dataset.rendered ?? -1) >= 0,
      null, { timeout: 30000 });
    // The stored window is shown as stored (a 256/128 is not "W: 255").
    const stored = await page.evaluate(async (uid) => {
      const [m] = await (await fetch(`/dicom-web/studies/${uid}/metadata`)).json();
      const [w, c] = ['00281051', '00281050'].map((t) => m[t]?.Value?.[0]);
      return w === undefined ? null : `W: ${Math.round(Number(w))} L: ${Math.round(Number(c))}`;
    }, STUDIES.cases[n]);
    if (stored) {
      const window = await page.waitForFunction((w) => {
        const t = document.querySelector('[data-viewport-index="0"] [data-testid=window]')?.textContent ?? '';
        return t.endsWith(w) && t;
      }, stored, { timeout: 5000 }).then((h) => h.jsonValue(), async () =>
        page.textContent('[data-viewport-index="0"] [data-testid=window]'));
      if (!window.endsWith(stored)) failures.push(`${c.name}: window "${window}", stored ${stored}`);
      else windows++;
    }
    for (const state of c.states) {
      await page.click('button:text-is("Reset")');
      for (const change of state.do) await page.click(`button:text-is("${BUTTONS[change]}")`);
      const got = await expectShown(page, 0, state.markers);
      const what = `${c.name}, ${state.do.join(' then ') || 'as opened'}`;
      if (JSON.stringify(got.markers) !== JSON.stringify(state.markers)) {
        failures.push(`${what}: ${JSON.stringify(got.markers)}, expected ${JSON.stringify(state.markers)}`);
      } else {
        console.log(`${what}: ${state.markers ? EDGES.map((e) => `${e} ${state.markers[e]}`).join(', ') : 'no letters'}`);
      }
      if ((got.label ?? '') !== (c.label ?? '')) failures.push(`${c.name}: label "${got.label}", expected "${c.label ?? ''}"`);
    }
    if (SHOTS && n === 0) {
      await page.click('button:text-is("Reset")');
      await expectShown(page, 0, c.states[0].markers);
      await page.screenshot({ path: join(SHOTS, 'viewer-dx-orientation.png') });
    }
  }

  console.log(`stored windows shown as stored: ${windows}`);

  for (const [n, h] of FIXTURE.hanging.entries()) {
    await page.goto(`${BASE}/viewer/${STUDIES.hanging[n]}`);
    await page.waitForFunction((k) => document.querySelectorAll('.viewport').length === k, h.viewports.length, { timeout: 30000 });
    const layout = await page.locator('.toolbar button[aria-pressed=true]').filter({ hasText: /^\dx\d$/ }).textContent();
    if (layout !== h.layout) failures.push(`${h.name}: layout ${layout}, expected ${h.layout}`);
    for (const [i, want] of h.viewports.entries()) {
      const got = await expectShown(page, i, want.markers);
      if (JSON.stringify(got.markers) !== JSON.stringify(want.markers) || got.label !== want.label) {
        failures.push(`hanging, viewport ${i}: ${got.label} ${JSON.stringify(got.markers)}, expected ${want.label} ${JSON.stringify(want.markers)}`);
      }
    }
    // A reset keeps the hanging's mirror.
    await page.click('[data-viewport-index="0"] .element');
    await page.click('button:text-is("Reset")');
    const afterReset = await expectShown(page, 0, h.viewports[0].markers);
    if (JSON.stringify(afterReset.markers) !== JSON.stringify(h.viewports[0].markers)) {
      failures.push(`hanging, viewport 0 after Reset: ${JSON.stringify(afterReset.markers)}`);
    }
    console.log(`hanging: ${h.viewports.map((v) => `${v.label} (${v.markers.left}|${v.markers.right})`).join(' · ')} in ${h.layout}`);
    if (SHOTS) await page.screenshot({ path: join(SHOTS, 'viewer-mammography-hanging.png') });
  }
});
