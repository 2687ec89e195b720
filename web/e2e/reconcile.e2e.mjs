// End-to-end: a technician reconciles images in Chromium. A study arrived whose accession number
// no order has (the scanner's operator typed it by hand); it waits on "Reconcile". The technician
// finds the patient, chooses their order and links it; the page says the images are being
// corrected, and the study leaves the list once they are. Each page is checked with axe-core.
//
// Environment: VIREO_URL, VIREO_USER, VIREO_PASSWORD (a technician), VIREO_STUDY (the stray
// study's UID), VIREO_FAMILY (the patient's family name), VIREO_ACCESSION (their order's),
// VIREO_SCREENSHOTS.
import { join } from 'node:path';
import { checkAccessible, env, passwordSignIn, run } from './session.mjs';

const BASE = env('VIREO_URL');
const SHOTS = process.env.VIREO_SCREENSHOTS;
const shot = async (page, name) => SHOTS && page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });

await run('reconcile end-to-end', async ({ page, check }) => {
  await passwordSignIn(page, BASE, env('VIREO_USER'), env('VIREO_PASSWORD'));
  await page.click('header a:text-is("Reconcile")');
  await page.waitForSelector('h1:text-is("Images to reconcile")');
  const row = page.locator(`[data-testid=unmatched] tr[data-study="${env('VIREO_STUDY')}"]`);
  await row.waitFor();
  check((await row.textContent()).includes('No order has this accession number.'), 'the row does not say why');
  await checkAccessible(page, check, 'the images to reconcile');
  await shot(page, 'reconcile-list');

  await row.locator('button').click();
  const dialog = page.locator('[data-testid=link-dialog]');
  await dialog.waitFor();
  await dialog.getByLabel('Find the patient (name, MRN, phone)').fill(env('VIREO_FAMILY'));
  await dialog.locator(`ul[aria-label="Patients found"] button:has-text("${env('VIREO_FAMILY')}")`).first().click();
  const order = dialog.locator(`ul[aria-label="Their orders"] button:has-text("${env('VIREO_ACCESSION')}")`);
  await order.waitFor();
  await checkAccessible(page, check, 'the link dialog');
  await shot(page, 'reconcile-link');
  await order.click();
  await page.waitForSelector('[data-testid=reconcile-done]');
  check((await page.textContent('[data-testid=reconcile-done]')).includes('being corrected'), 'no word of the correction');
  // Once its images are corrected and linked, the study leaves the list by itself.
  await row.waitFor({ state: 'detached', timeout: 30_000 });
  await shot(page, 'reconcile-done');
});
