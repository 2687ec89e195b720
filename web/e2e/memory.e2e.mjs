// End-to-end: memory stays bounded when a radiologist opens study after study. Each study
// is opened from the worklist and loaded completely; the viewer's image cache must never hold
// more than the server's configured budget (viewer_image_cache_mb), the studies together
// must be larger than that budget (so that eviction is what keeps it there), and the page's
// measured memory must stop growing with the number of studies opened.
//
// Environment: VIREO_URL, VIREO_USER, VIREO_PASSWORD, VIREO_STUDIES (comma-separated UIDs),
// VIREO_BUDGET_MB (the server's viewer_image_cache_mb).
import { launch, signIn } from './session.mjs';

const env = (name) => {
  const v = process.env[name];
  if (!v) throw new Error(`set ${name}`);
  return v;
};
const BASE = env('VIREO_URL');
const STUDIES = env('VIREO_STUDIES').split(',');
const BUDGET = Number(env('VIREO_BUDGET_MB')) * 1024 * 1024;
const MiB = (n) => `${(n / 1048576).toFixed(1)} MiB`;

function check(condition, message) {
  if (!condition) throw new Error(message);
}

// The page's own memory (JS heaps and array buffers of the page and its workers), after a
// garbage collection: measureUserAgentSpecificMemory, available to cross-origin isolated pages.
const pageMemory = (page) => page.evaluate(async () => (await performance.measureUserAgentSpecificMemory()).bytes);

const failures = [];
const { page, close } = await launch(['--enable-blink-features=ForceEagerMeasureMemory', '--js-flags=--expose-gc']);
try {
  page.on('pageerror', (e) => failures.push(`page error: ${e.message}`));
  await signIn(page, BASE, env('VIREO_USER'), env('VIREO_PASSWORD'));
  // A radiologist's home is the reading worklist; the study list is a link away.
  await page.click('header a:text-is("Study list")');
  let loadedBytes = 0;
  let perStudy = 0;
  const memory = [];
  for (const [n, uid] of STUDIES.entries()) {
    if (n > 0) await page.click('text=← Worklist');
    await page.locator(`tr[data-study="${uid}"]`).click();
    // The whole series in: the progress bar of the shown series at its end.
    const total = await page.waitForFunction(() => {
      const bar = document.querySelector('.series-card.active .progress');
      return bar && bar.dataset.total !== '0' && bar.dataset.loaded === bar.dataset.total ? Number(bar.dataset.total) : false;
    }, null, { timeout: 60000 }).then((h) => h.jsonValue());
    const use = await page.evaluate(() => window.vireoViewer.imageCacheUse());
    check(use.budget === BUDGET, `the viewer's cache budget is ${MiB(use.budget)}, the server says ${MiB(BUDGET)}`);
    check(use.bytes <= BUDGET, `study ${n + 1}: the image cache holds ${MiB(use.bytes)}, over its ${MiB(BUDGET)} budget`);
    // Nothing is evicted from the first study: the cache then holds exactly what one study takes.
    if (n === 0) perStudy = use.bytes;
    loadedBytes += perStudy;
    await page.evaluate(() => globalThis.gc?.());
    memory.push(await pageMemory(page));
    console.log(`study ${n + 1}: ${total} images, cache ${MiB(use.bytes)} of ${MiB(BUDGET)}, page memory ${MiB(memory.at(-1))}`);
  }
  check(loadedBytes > 1.5 * BUDGET, `the studies (${MiB(loadedBytes)}) do not exceed the budget; the test proves nothing`);
  // Once the cache is full, more studies must not add memory: compare the last study with
  // the one at which the budget was first reached.
  const full = Math.ceil(BUDGET / perStudy);
  const growth = memory.at(-1) - memory[Math.min(full, memory.length - 1)];
  check(growth < 24 * 1048576, `page memory grew by ${MiB(growth)} after the cache was full (${memory.map(MiB).join(', ')})`);
  check(memory.at(-1) < BUDGET + 160 * 1048576, `page memory ${MiB(memory.at(-1))} is far above the ${MiB(BUDGET)} image budget`);
  check(failures.length === 0, failures.join('\n'));
  console.log(`memory bounded: ${STUDIES.length} studies, ${MiB(loadedBytes)} of images through a ${MiB(BUDGET)} cache; ` +
    `page memory ${memory.map((m) => (m / 1048576).toFixed(0)).join(' ')} MiB`);
} finally {
  await close();
}
