// End-to-end: an administrator sets up what the clinic offers in Chromium. A CT room with its
// opening hours (an overlapping interval refused on the spot), the same hours Monday to
// Friday, a Local holiday closure; a procedure with its preparation and needs (a code already
// used refused), then retired; a radiologist exams can be booked with. Every page and dialog is
// checked with axe-core.
//
// Environment: VIREO_URL, VIREO_USER, VIREO_PASSWORD (an administrator; the first sign-in sets
// up the authenticator), VIREO_CLOSURE_DAY (a day in the coming weeks), VIREO_SCREENSHOTS.
import { join } from 'node:path';
import { checkAccessible, env, fillDate, run, signIn } from './session.mjs';

const BASE = env('VIREO_URL');
const SHOTS = process.env.VIREO_SCREENSHOTS;
const shot = async (page, name) => SHOTS && page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });

async function choose(page, scope, label, option) {
  await scope.locator('.field.select').filter({ hasText: label }).locator('button').click();
  await page.getByRole('option', { name: option, exact: true }).click();
}

async function addInterval(dialog, weekday, opens, closes) {
  const day = dialog.locator(`.hours-day[data-weekday="${weekday}"]`);
  await day.locator('.add-interval').click();
  await day.locator('.interval').last().locator('input').first().fill(opens);
  await day.locator('.interval').last().locator('input').last().fill(closes);
}

await run('catalogue end-to-end', async ({ page, check }) => {
  await signIn(page, BASE, env('VIREO_USER'), env('VIREO_PASSWORD'));
  await page.click('header a:text-is("Administration")');
  await page.click('nav[aria-label=Administration] button:text-is("Rooms")');
  await page.waitForSelector('h1:text-is("Rooms")');

  // A room: Monday's hours with a lunch break, an overlapping interval refused, then the same
  // hours every weekday and Saturday mornings.
  await page.click('button:text-is("Add a room")');
  const dialog = page.locator('[data-testid=room-dialog]');
  await dialog.waitFor();
  await dialog.getByLabel('Name').fill('CT 1');
  await dialog.getByLabel('Site').fill('Diagonal');
  await choose(page, dialog, 'Modality', 'CT · Computed tomography');
  await dialog.getByLabel('Scanner AE title').fill('CT1_SOMATOM');
  await dialog.getByRole('checkbox', { name: 'Its scanner sees only this room’s worklist' }).check({ force: true });
  await addInterval(dialog, 1, '08:00', '14:00');
  await addInterval(dialog, 1, '15:00', '20:00');
  await addInterval(dialog, 1, '13:00', '16:00');
  await dialog.locator('button:text-is("Save")').click();
  await page.waitForSelector('[data-testid=hours-error]:has-text("overlap")');
  await checkAccessible(page, check, 'the room dialog with an error');
  await shot(page, 'admin-room-dialog');
  await dialog.locator('.hours-day[data-weekday="1"] .interval').last().locator('button').click();
  await dialog.locator('button:text-is("Same hours Monday to Friday as Monday")').click();
  await addInterval(dialog, 6, '09:00', '13:00');
  await dialog.locator('button:text-is("Save")').click();
  await dialog.waitFor({ state: 'detached' });
  const hours = await page.textContent('tr[data-room="CT 1"] [data-testid=hours]');
  check(hours === 'Mon–Fri 08:00–14:00, 15:00–20:00 · Sat 09:00–13:00', `hours: ${hours}`);
  console.log(`room CT 1: ${hours}`);

  // A holiday for the whole clinic.
  await fillDate(page, 'First day', env('VIREO_CLOSURE_DAY'));
  await page.getByLabel('Reason').fill('Local holiday');
  await page.click('button:text-is("Add the closure")');
  await page.waitForSelector('tr[data-closure="Local holiday"]');
  check((await page.textContent('tr[data-closure="Local holiday"]')).includes('All rooms'), 'the closure is not the whole clinic\'s');
  await checkAccessible(page, check, 'the rooms page');
  await shot(page, 'admin-rooms');

  // A procedure: its needs and the patient's preparation; the same code again refused.
  await page.click('nav[aria-label=Administration] button:text-is("Procedures")');
  await page.click('button:text-is("Add a procedure")');
  const form = page.locator('[data-testid=procedure-dialog]');
  await form.getByLabel('Code').fill('CT-THX-C');
  await choose(page, form, 'Modality', 'CT · Computed tomography');
  await form.getByLabel('Name', { exact: true }).fill('CT chest with contrast');
  await form.getByLabel('Body part (DICOM)').fill('chest');
  await form.getByLabel('Duration (minutes)').fill('20');
  await form.getByLabel('Price').fill('180');
  await form.getByRole('checkbox', { name: 'A contrast-trained technician must be present' }).check({ force: true });
  await form.getByLabel('Consents required').fill('contrast');
  await form.getByLabel('Preparation for the patient').fill('Nothing to eat for 4 hours before.\nBring your latest creatinine result.');
  await checkAccessible(page, check, 'the procedure dialog');
  await shot(page, 'admin-procedure-dialog');
  await form.locator('button:text-is("Save")').click();
  await form.waitFor({ state: 'detached' });
  const row = page.locator('tr[data-code="CT-THX-C"]');
  check((await row.textContent()).includes('Contrast technician'), `row: ${await row.textContent()}`);
  await page.click('button:text-is("Add a procedure")');
  await form.getByLabel('Code').fill('CT-THX-C');
  await choose(page, form, 'Modality', 'CT · Computed tomography');
  await form.getByLabel('Name', { exact: true }).fill('Another');
  await form.locator('button:text-is("Save")').click();
  await page.waitForSelector('[data-testid=procedure-dialog] .field-error:text-is("This is already used: choose another.")');
  await form.locator('button:text-is("Cancel")').click();
  await checkAccessible(page, check, 'the procedures page');
  await shot(page, 'admin-procedures');

  // Retired: gone from the list, back with the retired ones.
  await row.locator('button:text-is("Edit")').click();
  await form.getByRole('checkbox', { name: 'In use (bookable)' }).uncheck({ force: true });
  await form.locator('button:text-is("Save")').click();
  await form.waitFor({ state: 'detached' });
  await row.waitFor({ state: 'detached' });
  await page.getByRole('checkbox', { name: 'Show retired ones too' }).check({ force: true });
  await page.waitForSelector('tr[data-code="CT-THX-C"].retired');
  console.log('procedure CT-THX-C added, its code refused twice, retired');

  // Someone to book with exams that need a radiologist: what they are booked as is required.
  await page.click('nav[aria-label=Administration] button:text-is("Bookable staff")');
  await page.waitForSelector('h1:text-is("Bookable staff")');
  await page.click('button:text-is("Add someone")');
  const staff = page.locator('[data-testid=staff-dialog]');
  await staff.getByLabel('Name', { exact: true }).fill('Dr. Elena Serra');
  await staff.getByLabel('User name').fill('dr.serra');
  await staff.locator('button:text-is("Save")').click();
  await page.waitForSelector('[data-testid=staff-dialog] .field-error:has-text("Say what they can be booked for")');
  await staff.getByRole('checkbox', { name: 'Radiologist' }).check({ force: true });
  // A radiologist reads some modalities: unassigned exams of those are on her reading worklist.
  await staff.getByRole('group', { name: 'Reads' }).getByRole('checkbox', { name: 'CT', exact: true }).check({ force: true });
  await staff.getByRole('group', { name: 'Reads' }).getByRole('checkbox', { name: 'MR', exact: true }).check({ force: true });
  // ... at the clinic's centres she reads for (the rooms' sites).
  const sites = staff.getByRole('group', { name: 'Reads for' });
  check(await sites.getByRole('checkbox').count() === 2, 'both centres are offered');
  await sites.getByRole('checkbox', { name: 'Sant Cugat', exact: true }).check({ force: true });
  await checkAccessible(page, check, 'the staff dialog');
  await staff.locator('button:text-is("Save")').click();
  await staff.waitFor({ state: 'detached' });
  const listed = await page.locator('tr[data-username="dr.serra"]').textContent();
  check(listed.includes("Radiologist") && listed.includes("reads CT, MR") && listed.includes("at Sant Cugat"),
    `the radiologist as listed: ${listed}`);
  // How acquired exams find their radiologist: by hand until the administrator says otherwise.
  check(await page.getByRole('radio', { name: 'By hand' }).isChecked(), 'reading assignment is not by hand at first');
  await page.getByRole('radio', { name: 'To the least loaded' }).check({ force: true });
  await page.waitForSelector('[data-testid=assignment-saved]');
  await page.reload();
  await page.waitForSelector('h1:text-is("Bookable staff")');
  check(await page.getByRole('radio', { name: 'To the least loaded' }).isChecked(), 'the reading assignment was not kept');
  await checkAccessible(page, check, 'the staff page');
  await shot(page, 'admin-staff');
  console.log('radiologist dr.serra added');
}, async (page) => shot(page, 'catalogue-failure'));
