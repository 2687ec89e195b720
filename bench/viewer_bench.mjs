// The viewer in Debian's Chromium (playwright-core) against a running `vireo serve` holding
// one CT series: time to the first image on the canvas (a) navigating straight to
// /viewer/{study}, with the browser's cache empty and with the application already cached
// (its second visit, and a later one), (b) opening the study from the worklist once it has
// loaded, and (c) until every slice of the series is loaded. Prints JSON.
import { firstImageDrawn, launch, signIn } from '../web/e2e/session.mjs';

const env = (n) => process.env[n] ?? (() => { throw new Error(`set ${n}`); })();
const BASE = env('VIREO_URL');
const STUDY = env('VIREO_STUDY');
const SLICES = Number(env('VIREO_SLICES'));
const RUNS = Number(process.env.VIREO_RUNS ?? 5);

// The page's clock when every slice of the series is loaded.
const allLoaded = (page) => page.evaluate((n) => new Promise((resolve) => {
  const check = () => (document.querySelector('.series-card .progress')?.getAttribute('data-loaded') === String(n)
    ? resolve(performance.now()) : requestAnimationFrame(check));
  check();
}), SLICES);

// The server's certificate trusted (as a site that uses Vireo does), not clicked past: from a
// site with a certificate error Chromium caches nothing, and "application cached" would not be.
const { page, context, close } = await launch(process.env.VIREO_SPKI ? [`--ignore-certificate-errors-spki-list=${process.env.VIREO_SPKI}`] : []);
const out = { coldEmptyCache: [], coldSecondVisit: [], coldCachedApp: [], warm: [], allSlices: [] };
try {
  // Without a user the origin answers as signed in (bench/viewer_proxy.py).
  if (process.env.VIREO_USER) await signIn(page, BASE, env('VIREO_USER'), env('VIREO_PASSWORD'));
  else await page.goto(`${BASE}/`);
  // A radiologist's home is the reading worklist; the study list is a link away.
  if (!page.url().endsWith('/studies')) await page.click('header a:text-is("Study list")');
  await page.locator(`tr[data-study="${STUDY}"]`).waitFor();
  const cdp = await context.newCDPSession(page);

  // Times are read on the page's own clock: from the start of the navigation, or from the
  // mouse button going down on the worklist row, to the image on the canvas; the driver's
  // own round trips are not in them.
  for (let r = 0; r < RUNS; r++) {
    // (a) straight to the study's address, the session cookie kept: the first visit with the
    // cache emptied, then the second and the third visit with the application in the cache.
    // Chromium stores the scripts' compiled code on the second one (see docs/PERFORMANCE.md),
    // so the third is what a returning reader meets.
    for (const visit of ['coldEmptyCache', 'coldSecondVisit', 'coldCachedApp']) {
      await page.goto('about:blank');
      if (visit === 'coldEmptyCache') await cdp.send('Network.clearBrowserCache');
      await page.goto(`${BASE}/viewer/${STUDY}`);
      out[visit].push(Math.round(await firstImageDrawn(page)));
    }
    // (b) and (c): from the worklist, once it has loaded and has been idle a moment.
    await page.goto(`${BASE}/`);
    const row = page.locator(`tr[data-study="${STUDY}"]`);
    await row.waitFor();
    await page.waitForTimeout(2000);
    const box = await row.boundingBox();
    await page.evaluate(() => window.addEventListener('mousedown', () => { window.benchPressed = performance.now(); },
      { capture: true, once: true }));
    await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
    const drawn = await firstImageDrawn(page);
    const pressed = await page.evaluate(() => window.benchPressed);
    out.warm.push(Math.round(drawn - pressed));
    out.allSlices.push(Math.round((await allLoaded(page)) - pressed));
  }
  console.log(JSON.stringify(out));
} finally {
  await close();
}
