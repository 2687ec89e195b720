// End-to-end: the demo's phantoms (`vireo-synth phantoms`, loaded by `make run`) as a reader
// meets them. The head CT opens in its stored brain window; the chest CT in its mediastinal
// window with R on the screen's left; the screening mammogram hangs in four viewports, right
// breast on the left, chest walls together, each labelled with its laterality and view.
//
// Environment: VIREO_URL, VIREO_USER, VIREO_PASSWORD (a radiologist), VIREO_PHANTOM_STUDIES
// (JSON: {"head", "chest", "mammo"}: study UIDs), VIREO_SCREENSHOTS (optional).
import { join } from 'node:path';
import { env, firstImageDrawn, run, signIn } from './session.mjs';

const BASE = env('VIREO_URL');
const SHOTS = process.env.VIREO_SCREENSHOTS;
const STUDIES = JSON.parse(env('VIREO_PHANTOM_STUDIES'));

const viewportText = (page, i, testid) => page.textContent(`[data-viewport-index="${i}"] [data-testid=${testid}]`).catch(() => null);

await run('phantoms end-to-end', async ({ page, check }) => {
  await signIn(page, BASE, env('VIREO_USER'), env('VIREO_PASSWORD'));
  for (const [key, window] of [['head', 'W: 80 L: 40'], ['chest', 'W: 400 L: 40']]) {
    await page.goto(`${BASE}/viewer/${STUDIES[key]}`);
    await firstImageDrawn(page);
    await page.waitForFunction((w) => document.querySelector('[data-viewport-index="0"] [data-testid=window]')?.textContent.includes(w),
      window, { timeout: 10000 }).catch(() => undefined);
    const shown = await viewportText(page, 0, 'window');
    check(shown?.includes(window), `${key}: ${shown}, expected ${window}`);
    const [left, right] = [await viewportText(page, 0, 'orientation-left'), await viewportText(page, 0, 'orientation-right')];
    check(left === 'R' && right === 'L', `${key}: ${left} | ${right}`);
    if (SHOTS) await page.screenshot({ path: join(SHOTS, `demo-${key}-ct.png`) });
    console.log(`${key} CT: ${shown.split('\n').pop()}, ${left} | ${right}`);
  }

  await page.goto(`${BASE}/viewer/${STUDIES.mammo}`);
  await page.waitForFunction(() => document.querySelectorAll('.viewport [data-testid=mammo-view]').length === 4, null, { timeout: 30000 });
  const hung = [];
  for (let i = 0; i < 4; i++) {
    let got;
    for (let t = 0; t < 50; t++) {
      got = [await viewportText(page, i, 'mammo-view'), await viewportText(page, i, 'orientation-left'),
        await viewportText(page, i, 'orientation-right')];
      if (got[1] && got[2]) break;
      await page.waitForTimeout(100);
    }
    hung.push(`${got[0]} (${got[1]}|${got[2]})`);
  }
  // Right breast on the left with its chest wall (P) towards the middle, and the left mirrored to it.
  const expected = ['R CC (A|P)', 'L CC (P|A)', 'R MLO (A|P)', 'L MLO (P|A)'];
  check(JSON.stringify(hung) === JSON.stringify(expected), `hanging: ${hung.join(' · ')}, expected ${expected.join(' · ')}`);
  await page.waitForTimeout(500);
  if (SHOTS) await page.screenshot({ path: join(SHOTS, 'demo-mammography.png') });
  console.log(`mammography: ${hung.join(' · ')}`);
});
