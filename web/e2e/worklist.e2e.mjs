// End-to-end: the study list in Chromium at 1366×768 (a reception desk's laptop): paged by the
// archive, sorted by a column (both ways, across pages), today's studies a click away, several
// modalities at once, the sex and referring physician shown, dates never broken over two lines.
//
// Environment: VIREO_URL, VIREO_USER, VIREO_PASSWORD, VIREO_STUDIES (how many are stored),
// VIREO_TODAY_STUDY (the one study dated today), VIREO_SCREENSHOTS (optional).
import { join } from 'node:path';
import { checkAccessible, env, passwordSignIn, run } from './session.mjs';

const BASE = env('VIREO_URL');
const TOTAL = Number(env('VIREO_STUDIES'));
const TODAY_STUDY = env('VIREO_TODAY_STUDY');
const SHOTS = process.env.VIREO_SCREENSHOTS;

await run('worklist end-to-end', async ({ page, check }) => {
  await page.setViewportSize({ width: 1366, height: 768 });
  await passwordSignIn(page, BASE, env('VIREO_USER'), env('VIREO_PASSWORD')); // no second factor for the role
  const rows = () => page.$$eval('tbody tr[data-study]', (trs) => trs.map((tr) => [...tr.cells].map((c) => c.textContent)));
  const range = () => page.textContent('[data-testid=page-range]');
  const settle = async (before) => {
    for (let i = 0; i < 50; i++) {
      const now = JSON.stringify([await rows(), await range()]);
      if (now !== before) return;
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  await page.waitForSelector('tbody tr[data-study]');
  check(await range() === 'Studies 1–50', `first page: ${await range()}`);
  const header = await page.$$eval('thead th', (ths) => ths.map((t) => t.textContent.replace(/[ ▲▼]+$/, '')));
  check(['Sex', 'Referring'].every((h) => header.includes(h)), `columns: ${header}`);
  const first = await rows();
  check(first[0][header.indexOf('Referring')] === 'WELBY, MARCUS', `referring: ${first[0]}`);
  // Newest first by default, across the whole archive: the first row is today's study.
  check(await page.$eval('tbody tr', (tr) => tr.dataset.study) === TODAY_STUDY, 'the newest study is not first');

  // The next page, and back.
  let before = JSON.stringify([await rows(), await range()]);
  await page.click('button:text-is("Next")');
  await settle(before);
  check(await range() === `Studies 51–${TOTAL}`, `second page: ${await range()}`);
  check(await page.isDisabled('button:text-is("Next")'), 'Next on the last page');
  before = JSON.stringify([await rows(), await range()]);
  await page.click('button:text-is("Previous")');
  await settle(before);
  check(await range() === 'Studies 1–50', `back: ${await range()}`);

  // Sorted by patient, A first, then Z first: by the archive, so across pages.
  const names = async () => (await rows()).map((r) => r[0]);
  const sorted = (list, dir) => list.every((n, i) => i === 0 || dir * list[i - 1].localeCompare(n, undefined, { sensitivity: 'base' }) <= 0);
  before = JSON.stringify([await rows(), await range()]);
  await page.click('thead button:text-is("Patient")');
  await settle(before);
  const ascending = await names();
  check(sorted(ascending, 1), `not A to Z: ${ascending.slice(0, 8)}`);
  check(await page.getAttribute('thead th:first-child', 'aria-sort') === 'ascending', 'aria-sort');
  before = JSON.stringify([await rows(), await range()]);
  await page.click('thead button:has-text("Patient")');
  await settle(before);
  const descending = await names();
  check(sorted(descending, -1), `not Z to A: ${descending.slice(0, 8)}`);
  check(descending[0] !== ascending[0], 'the order did not turn round');
  console.log(`sorted by patient both ways: ${ascending[0]} … / ${descending[0]} …`);

  // Today only.
  before = JSON.stringify([await rows(), await range()]);
  await page.click('button:text-is("Today")');
  await settle(before);
  const today = await page.$$eval('tbody tr[data-study]', (trs) => trs.map((t) => t.dataset.study));
  check(today.length === 1 && today[0] === TODAY_STUDY, `today: ${today}`);
  before = JSON.stringify([await rows(), await range()]);
  await page.click('button:text-is("Today")'); // off again
  await settle(before);

  // Modalities: MR alone, then MR and CR.
  const modalities = async () => new Set((await rows()).map((r) => r[header.indexOf('Modality')]));
  before = JSON.stringify([await rows(), await range()]);
  await page.click('[aria-label=Modalities] button:text-is("MR")');
  await settle(before);
  const mr = await modalities();
  check(mr.size === 1 && mr.has('MR'), `MR only: ${[...mr]}`);
  before = JSON.stringify([await rows(), await range()]);
  await page.click('[aria-label=Modalities] button:text-is("CR")');
  await settle(before);
  const both = await modalities();
  check(both.has('MR') && both.has('CR'), `MR and CR: ${[...both]}`);
  console.log(`modalities: MR alone ${[...mr]}, then ${[...both].join(' and ')}`);

  // Dates on one line at 1366 px.
  const wrapped = await page.$$eval('td.date', (tds) => tds.filter((td) => {
    const r = document.createRange();
    r.selectNodeContents(td);
    return r.getClientRects().length > 1;
  }).length);
  check(wrapped === 0, `${wrapped} dates broken over two lines at 1366 px`);
  if (SHOTS) await page.screenshot({ path: join(SHOTS, 'worklist.png') });
  await checkAccessible(page, check, "the study list");
  console.log('dates on one line at 1366 px');

  // A reading-only account's viewer offers no saving into the study (a button that could only
  // end in a refusal); no screen names a permission.
  await page.click(`tr[data-study="${TODAY_STUDY}"]`);
  await page.waitForFunction(() => Number(document.querySelector('[data-viewport-index="0"] .element')?.dataset.rendered ?? -1) >= 0,
    null, { timeout: 30000 });
  await page.waitForTimeout(1500); // the account's permissions are asked for once the image is drawn
  check(await page.locator('[data-testid=export-sr]').count() === 0, 'Export SR offered to a receptionist');
  check(!/archive\.(store|read|export)/.test(await page.textContent('body')), 'a permission name on screen');
  console.log('reading-only account: no Export SR, no permission names');
});
