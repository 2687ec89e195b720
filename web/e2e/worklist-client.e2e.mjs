// End-to-end: what a worklist client (UPS-RS: a pipeline or a modern scanner) did to an exam, as
// the technicians' list shows it in Chromium. The client took the exam's workitem, and someone
// then asked for its cancellation; the technician at the scanner sees who took it and the
// request, with its reason, on the exam's row. Another exam's images came and met their order:
// its row opens them in the viewer. The page is checked with axe-core.
//
// Environment: VIREO_URL, VIREO_USER, VIREO_PASSWORD (a technician), VIREO_ACCESSION (the exam's),
// VIREO_PERFORMER (the account that took it), VIREO_REASON (why its cancellation was asked for),
// VIREO_IMAGED_ACCESSION and VIREO_STUDY (the exam with images, and their study), VIREO_SCREENSHOTS.
import { join } from 'node:path';
import { checkAccessible, env, passwordSignIn, run } from './session.mjs';

const BASE = env('VIREO_URL');
const SHOTS = process.env.VIREO_SCREENSHOTS;
const shot = async (page, name) => SHOTS && page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });

await run('worklist-client end-to-end', async ({ page, check }) => {
  await passwordSignIn(page, BASE, env('VIREO_USER'), env('VIREO_PASSWORD'));
  await page.click('header a:text-is("Exams")');
  await page.waitForSelector('h1:text-is("Exams")');
  const row = page.locator(`[data-testid=exams] tr[data-accession="${env('VIREO_ACCESSION')}"]`);
  await row.waitFor();
  check((await row.getAttribute('data-status')) === 'in_progress', 'the exam the client took is not in progress');
  const claimed = row.locator('[data-testid=claimed]');
  await claimed.waitFor();
  check((await claimed.textContent()).includes(`Taken by ${env('VIREO_PERFORMER')}`), 'the row does not say who took the exam');
  const asked = row.locator('[data-testid=cancel-asked]');
  await asked.waitFor();
  check((await asked.textContent()).includes(env('VIREO_REASON')), 'the cancellation request does not say why');
  check(await row.locator('[data-testid=open-images]').count() === 0, 'images offered for an exam without any');
  await checkAccessible(page, check, 'the exams list with a worklist client\'s exam');
  await shot(page, 'exams-worklist-client');

  const imaged = page.locator(`[data-testid=exams] tr[data-accession="${env('VIREO_IMAGED_ACCESSION')}"]`);
  const open = imaged.locator('[data-testid=open-images]');
  await open.waitFor();
  await open.click();
  await page.waitForURL(`**/viewer/${env('VIREO_STUDY')}`);
  await page.waitForSelector('canvas');
});
