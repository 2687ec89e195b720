// End-to-end: two registrations of one person merged in Chromium, and the merge undone. Reception
// opens the record to keep, finds the duplicate by its MRN, compares the two side by side (the
// rows that differ stand out), is refused without a reason, merges; the duplicate's images arrive
// on the record kept without a reload, with its contrast allergy (shown too on each study in the
// study list and in the viewer); the duplicate's record says where
// its patient went and takes no edits or orders. An administrator undoes the merge and the images
// go back. Every page is checked with axe-core.
//
// Environment: VIREO_URL, VIREO_USER, VIREO_PASSWORD (a receptionist), VIREO_ADMIN and
// VIREO_ADMIN_PASSWORD, VIREO_KEPT_ID, VIREO_DUPLICATE_MRN, VIREO_STUDIES (how many the
// duplicate has), VIREO_SCREENSHOTS.
import { join } from 'node:path';
import { checkAccessible, env, passwordSignIn, run, signIn, signOut } from './session.mjs';

const BASE = env('VIREO_URL');
const SHOTS = process.env.VIREO_SCREENSHOTS;
const shot = async (page, name) => SHOTS && page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
const STUDIES = Number(env('VIREO_STUDIES'));
const studyRows = '.patient-studies-list table.studies tbody tr';

await run('merge end-to-end', async ({ page, check }) => {
  await passwordSignIn(page, BASE, env('VIREO_USER'), env('VIREO_PASSWORD'));
  await page.waitForSelector('header');
  await page.goto(`${BASE}/patients/${env('VIREO_KEPT_ID')}`);
  await page.waitForSelector('[data-testid=no-studies]');
  check(!(await page.isVisible('[data-testid=contrast-allergy-banner]')), 'the kept record had no contrast allergy');

  await page.click('[data-testid=merge-open]');
  const dialog = page.locator('[data-testid=merge-dialog]');
  await dialog.getByLabel('Name, MRN, phone or national ID').fill(env('VIREO_DUPLICATE_MRN'));
  await dialog.locator(`button[aria-label*="${env('VIREO_DUPLICATE_MRN')}"]`).click();
  await dialog.locator('[data-testid=merge-compare]').waitFor();
  const differs = await dialog.locator('tr.differs th').allTextContents();
  check(differs.some((d) => d.startsWith('Name')) && differs.some((d) => d.startsWith('MRN')) &&
    differs.some((d) => d.startsWith('Allergies')), `the differences are not marked: ${differs}`);
  check(!differs.some((d) => d.startsWith('Birth date')), 'the same birth date is marked as different');
  await checkAccessible(page, check, 'the merge comparison');
  await shot(page, 'merge-compare');
  const confirm = dialog.locator('button.primary');
  await confirm.click();
  await dialog.locator('.field-error:has-text("Say why")').waitFor();
  await dialog.getByLabel('Why are they the same person?').fill('Registered twice: the family name misspelt at the desk');
  const [answer] = await Promise.all([
    page.waitForResponse((r) => new URL(r.url()).pathname === '/api/ris/patient-merges' && r.request().method() === 'POST'),
    confirm.click(),
  ]);
  check(answer.status() === 201, `the merge was refused: ${answer.status()}`);
  await page.waitForSelector('[data-testid=merged]:has-text("Merged")');

  // The images follow without a reload; the allergy came with the patient.
  await page.waitForFunction(([sel, n]) => document.querySelectorAll(sel).length === n, [studyRows, STUDIES], { timeout: 30000 });
  await page.waitForSelector('[data-testid=contrast-allergy-banner]');
  await page.waitForSelector(`[data-testid=patient-merges] :text("${STUDIES} studies moved")`, { timeout: 30000 });
  check(await page.isVisible('[data-testid=orders] tbody tr'), 'the duplicate\'s order is not on the record kept');
  await checkAccessible(page, check, 'the record kept after the merge');
  await shot(page, 'merge-kept');

  // Its contrast allergy follows the images: on each study of the list, and in the viewer.
  await page.click('header a:text-is("Study list")');
  await page.waitForFunction(([n]) => document.querySelectorAll('tr[data-study] [data-testid=contrast-allergy]').length === n,
    [STUDIES], { timeout: 10000 }).catch(() => check(false, 'the study list does not show the contrast allergy on each study'));
  await checkAccessible(page, check, 'the study list with a contrast allergy');
  await shot(page, 'worklist-allergy');
  await page.locator('tr[data-study]').first().click();
  await page.waitForSelector('header [data-testid=contrast-allergy]');
  // The RIS not answering is said, never shown as "no allergy".
  await page.route('**/api/ris/allergies', (r) => r.fulfill({ status: 503, contentType: 'application/problem+json', body: '{}' }));
  await page.goto(`${BASE}/`);
  await page.waitForSelector('tr[data-study] [data-testid=allergies-unknown]', { timeout: 15000 })
    .catch(() => check(false, 'an unanswered allergy check looks like no allergy'));
  await page.unroute('**/api/ris/allergies');
  await page.goto(`${BASE}/patients/${env('VIREO_KEPT_ID')}`);
  await page.waitForSelector('[data-testid=patient-merges]');

  // The duplicate's record: where its patient went, no edits, no orders.
  await page.click(`[data-testid=patient-merges] a:has-text("${env('VIREO_DUPLICATE_MRN')}")`);
  await page.waitForSelector('[data-testid=merged-banner]');
  check(!(await page.isVisible('a:text-is("Edit")')), 'a merged record can still be edited');
  check(!(await page.isVisible('button:text-is("New order")')), 'a merged record still takes orders');
  check(!(await page.isVisible('[data-testid=merge-open]')), 'a merged record offers to merge');
  await checkAccessible(page, check, 'the merged record');
  await shot(page, 'merge-duplicate');
  await page.click('[data-testid=merged-banner] a');
  await page.waitForSelector('[data-testid=merge-open]');
  check(!(await page.isVisible('button:text-is("Undo this merge")')), 'reception is offered to undo a merge');
  // Still found by its MRN, marked merged.
  await page.goto(`${BASE}/patients?q=${env('VIREO_DUPLICATE_MRN')}`);
  await page.waitForSelector(`tr[data-patient="${env('VIREO_DUPLICATE_MRN')}"] [data-testid=merged-badge]`);
  await signOut(page);

  // An administrator undoes it: the images go back.
  await signIn(page, BASE, env('VIREO_ADMIN'), env('VIREO_ADMIN_PASSWORD'));
  await page.waitForSelector('header');
  await page.goto(`${BASE}/patients/${env('VIREO_KEPT_ID')}`);
  await page.click('button:text-is("Undo this merge")');
  const undo = page.locator('[data-testid=undo-merge-dialog]');
  await undo.getByLabel('Why was the merge wrong?').fill('Twins: not the same person');
  await checkAccessible(page, check, 'the undo dialog');
  await undo.locator('button:text-is("Undo the merge")').click();
  await page.waitForSelector('[data-testid=unmerged]:has-text("undone")');
  await page.waitForSelector('[data-testid=no-studies]', { timeout: 30000 });
  await page.waitForSelector(`[data-testid=merge-undone]:has-text("${STUDIES} studies moved back")`, { timeout: 30000 });
  await shot(page, 'merge-undone');
});
