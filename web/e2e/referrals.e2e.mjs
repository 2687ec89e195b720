// End-to-end: a referring physician's page in Chromium. The physician signs in, finds My
// referrals in the bar, sees the open exams they asked for (and none of another physician's),
// the one already imaged with its images a click away, and all of theirs with one more click.
// For the one not booked yet they ask the desk for an appointment (days, morning, a note), and
// the row then says it is waiting for the desk. The page and the dialog are checked with axe-core.
//
// Environment: VIREO_URL, VIREO_USER, VIREO_PASSWORD (a referring physician), VIREO_MINE (the
// family names of their patients, comma-separated, open ones), VIREO_CANCELLED (their patient
// whose order was cancelled), VIREO_OTHERS (another physician's patient), VIREO_IMAGED (the
// patient whose images are in), VIREO_WAITING (their patient not booked yet), VIREO_SCREENSHOTS.
import { join } from 'node:path';
import { checkAccessible, env, passwordSignIn, run } from './session.mjs';

const BASE = env('VIREO_URL');
const SHOTS = process.env.VIREO_SCREENSHOTS;
const shot = async (page, name) => SHOTS && page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
const rowsText = (page) => page.$$eval('[data-testid=referrals] tbody tr', (rows) => rows.map((r) => r.textContent));

await run('referrals end-to-end', async ({ page, check }) => {
  await passwordSignIn(page, BASE, env('VIREO_USER'), env('VIREO_PASSWORD'));
  await page.click('header a:text-is("My referrals")');
  await page.waitForSelector('h1:text-is("My referrals")');
  await page.waitForSelector('[data-testid=referrals] tbody tr');
  const open = await rowsText(page);
  for (const name of env('VIREO_MINE').split(','))
    check(open.some((r) => r.includes(name)), `${name}'s exam is not listed: ${open}`);
  check(!open.some((r) => r.includes(env('VIREO_OTHERS'))), 'another physician\'s patient is listed');
  // The clinic is in Spain: a birth date day first, in English too.
  check(open.some((r) => r.includes('1 May 1970')), `dates are not written the clinic's way: ${open}`);
  check(!open.some((r) => r.includes(env('VIREO_CANCELLED'))), 'a cancelled exam is listed as open');
  const imaged = page.locator(`[data-testid=referrals] tr:has-text("${env('VIREO_IMAGED')}")`);
  await imaged.locator('a:text-is("Open the images")').waitFor();
  await checkAccessible(page, check, 'the referrer\'s exams');
  await shot(page, 'referrals-open');

  // An appointment asked for, for the exam not booked yet.
  const waiting = page.locator(`[data-testid=referrals] tr:has-text("${env('VIREO_WAITING')}")`);
  await waiting.locator('button:text-is("Ask for an appointment")').click();
  await page.waitForSelector('[data-testid=ask-dialog]');
  await page.getByRole('radio', { name: 'Morning', exact: true }).check({ force: true });
  await page.getByLabel('Note for the desk').fill('Mornings only: she comes by bus');
  await checkAccessible(page, check, 'the request for an appointment');
  await shot(page, 'referrals-ask');
  await page.click('[data-testid=ask-dialog] button:text-is("Send the request")');
  await waiting.locator('[data-testid=request-pending]').waitFor();
  check(await page.locator('[data-testid=ask-dialog]').count() === 0, 'the dialog stayed open');
  check(await waiting.locator('button:text-is("Ask for an appointment")').count() === 0, 'asked twice is still offered');

  await page.click('button:text-is("All")');
  await page.waitForSelector(`[data-testid=referrals] tr:has-text("${env('VIREO_CANCELLED')}")`);
  check((await page.textContent(`[data-testid=referrals] tr:has-text("${env('VIREO_CANCELLED')}")`)).includes('Cancelled'),
    'the cancelled exam does not say so');

  await page.click('button:text-is("Not yet reported")');
  await imaged.locator('a:text-is("Open the images")').click();
  await page.waitForURL(/\/viewer\//);
});
