// End-to-end: reception's patient register in Chromium. A receptionist registers a patient
// (mistakes shown on their fields first), meets the duplicate warning for a second, similar one
// (opens the existing record, then registers a different person anyway), finds patients by a
// name fragment and by phone digits, edits a record, is stopped when someone else saved first,
// reads the pages in Spanish and Catalan, and opens a study linked by MRN and issuer. Every
// page is checked with axe-core.
//
// Environment: VIREO_URL, VIREO_USER, VIREO_PASSWORD (a receptionist), VIREO_LINKED_MRN (a
// patient registered with a study in the archive under that MRN), VIREO_SCREENSHOTS.
import { join } from 'node:path';
import { checkAccessible, env, fillDate, passwordSignIn, run } from './session.mjs';

const BASE = env('VIREO_URL');
const SHOTS = process.env.VIREO_SCREENSHOTS;
const shot = async (page, name) => SHOTS && page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });

async function fillPatient(page, p) {
  await page.getByLabel('Family name').fill(p.family);
  await page.getByLabel('Given name').fill(p.given);
  if (p.birth) await fillDate(page, 'Birth date', p.birth);
  if (p.sex) await page.getByRole('radio', { name: p.sex, exact: true }).check({ force: true });
  if (p.phone !== undefined) await page.getByLabel('Phone').fill(p.phone);
  if (p.contrast) await page.getByRole('checkbox', { name: 'Allergic to contrast media' }).check({ force: true });
  if (p.allergies) await page.getByLabel('Allergies').fill(p.allergies);
}

const mrnShown = async (page) => (await page.textContent('[data-testid=identity] strong')).trim();

await run('reception end-to-end', async ({ page, check }) => {
  await passwordSignIn(page, BASE, env('VIREO_USER'), env('VIREO_PASSWORD')); // no second factor for the role
  await page.click('header a:text-is("Patients")');
  await page.waitForSelector('h1:text-is("Patients")');

  // Registration: nothing typed, then a birth date in the future, are refused on their fields.
  await page.click('a:text-is("Register a patient")');
  await page.waitForSelector('form.patient-form');
  await page.click('button:text-is("Register")');
  await page.waitForSelector('[data-testid=form-errors]');
  const errors = await page.$$eval('.field-error', (els) => els.map((e) => e.textContent).filter(Boolean));
  check(errors.filter((e) => e === 'This is required.').length === 3, `empty form: ${errors}`);
  check((await page.evaluate(() => document.activeElement?.closest('.field')?.textContent ?? '')).includes('Family name'),
    'the first field to correct does not have the focus');
  await fillPatient(page, { family: 'García López', given: 'Ana María', birth: '2999-03-14', sex: 'Female', phone: '12' });
  await page.click('button:text-is("Register")');
  await page.waitForSelector('.field-error:text-is("This date is in the future.")');
  check(await page.isVisible('.field-error:has-text("6 to 15 digits")'), 'a short phone number was not refused');
  await checkAccessible(page, check, 'the registration form with its errors');
  await shot(page, 'reception-registration-errors');

  // Corrected and registered: the record, its MRN, the contrast allergy on top.
  await fillPatient(page, { family: 'García López', given: 'Ana María', birth: '1975-03-14', phone: '+34 612 345 678',
    contrast: true, allergies: 'Iodinated contrast: hives (2019)' });
  const inWords = await page.textContent('[data-testid=birthDate-in-words]');
  check(inWords === 'March 14, 1975', `the birth date said back: ${inWords}`);
  await page.click('button:text-is("Register")');
  await page.waitForSelector('[data-testid=registered]');
  const first = await mrnShown(page);
  check(/^\d{8}$/.test(first), `MRN: ${first}`);
  check((await page.textContent('[data-testid=contrast-allergy-banner]')).includes('hives'), 'no contrast allergy banner');
  check((await page.textContent('h1')) === 'García López, Ana María', `title: ${await page.textContent('h1')}`);
  const firstUrl = page.url().replace(/\?.*$/, '');
  await checkAccessible(page, check, 'the patient page');
  await shot(page, 'reception-patient');
  console.log(`registered ${first}`);

  // A second registration of the same person, spelled otherwise: the warning offers the record.
  await page.click('header a:text-is("Patients")');
  await page.click('a:text-is("Register a patient")');
  await fillPatient(page, { family: 'Garcia Lopes', given: 'Ana', birth: '1975-03-14', sex: 'Female', phone: '' });
  await page.click('button:text-is("Register")');
  await page.waitForSelector('[data-testid=duplicates]');
  const candidates = await page.$$eval('[data-testid=duplicates] li', (lis) => lis.map((li) => li.getAttribute('data-patient')));
  check(candidates.length === 1 && candidates[0] === first, `duplicates offered: ${candidates}`);
  check(await page.isVisible('[data-testid=duplicates] :text("Same birth date, similar name")'), 'no reason given');
  await checkAccessible(page, check, 'the duplicate warning');
  await shot(page, 'reception-duplicate-warning');
  await page.click('[data-testid=duplicates] a:text-is("Open this record")');
  await page.waitForURL(firstUrl);
  console.log('the duplicate warning opened the existing record');

  // Someone else after all (a twin). A change after the warning takes it away (the changed
  // values are checked again); unchanged, "register anyway" saves what is on the screen.
  await page.click('header a:text-is("Patients")');
  await page.click('a:text-is("Register a patient")');
  await fillPatient(page, { family: 'Garcia Lopes', given: 'Ana', birth: '1975-03-14', sex: 'Female', phone: '' });
  await page.click('button:text-is("Register")');
  await page.waitForSelector('[data-testid=duplicates]');
  check(await page.evaluate(() => document.activeElement?.dataset.testid === 'duplicates'), 'the warning does not have the focus');
  await page.getByLabel('Given name').fill('Ana Isabel');
  await page.waitForSelector('[data-testid=duplicates]', { state: 'detached' });
  await page.getByLabel('Given name').fill('Ana');
  await page.click('button:text-is("Register")');
  await page.waitForSelector('[data-testid=duplicates]');
  await page.click('button:text-is("It is someone else: register anyway")');
  await page.waitForSelector('[data-testid=registered]');
  const second = await mrnShown(page);
  check(second !== first, `the second patient has MRN ${second}`);

  // Search: a family name's start, then the end of a phone number.
  await page.click('header a:text-is("Patients")');
  await page.getByLabel('Find a patient').fill('garc');
  await page.waitForFunction(() => document.querySelectorAll('.patients-table tbody tr').length === 2);
  const alerts = await page.$$eval('.patients-table tbody tr', (trs) => trs.map((tr) => `${tr.dataset.patient}:${tr.querySelector('[data-testid=contrast-allergy]') ? 'contrast' : ''}`));
  check(alerts.includes(`${first}:contrast`) && alerts.includes(`${second}:`), `rows: ${alerts}`);
  await checkAccessible(page, check, 'the search results');
  await shot(page, 'reception-patient-search');
  await page.getByLabel('Find a patient').fill('345678');
  await page.waitForFunction((mrn) => {
    const rows = [...document.querySelectorAll('.patients-table tbody tr')];
    return rows.length === 1 && rows[0].dataset.patient === mrn;
  }, first);
  await page.getByLabel('Find a patient').fill('zzzz');
  await page.waitForSelector('[data-testid=no-patients]');
  console.log('found by name fragment and phone digits; nobody for zzzz');

  // An edit, then a stale one: someone else saves while the form is open.
  await page.goto(firstUrl);
  await page.click('a:text-is("Edit")');
  await page.getByLabel('Phone').fill('+34 699 000 111');
  await page.click('button:text-is("Save changes")');
  await page.waitForSelector('[data-testid=saved]');
  check(await page.isVisible('dd:text-is("+34 699 000 111")'), 'the saved phone number is not shown');
  await page.click('a:text-is("Edit")');
  await page.getByLabel('Notes').fill('Prefers morning appointments');
  await checkAccessible(page, check, 'the edit form');
  const id = firstUrl.split('/').pop();
  const other = await page.evaluate(async (pid) => {
    const session = await (await fetch('/api/auth/session')).json();
    const current = await (await fetch(`/api/ris/patients/${pid}`)).json();
    const res = await fetch(`/api/ris/patients/${pid}`, {
      method: 'PUT', headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': session.csrfToken },
      body: JSON.stringify({ ...current, email: 'ana@example.org' }),
    });
    return res.status;
  }, id);
  check(other === 200, `the other desk's edit: ${other}`);
  await page.click('button:text-is("Save changes")');
  await page.waitForSelector('[data-testid=edit-problem]:has-text("Someone else changed this patient")');
  await shot(page, 'reception-edit-conflict');
  await page.click('button:text-is("Reload the patient")');
  await page.waitForFunction(() => document.querySelector('input[type=email]')?.value === 'ana@example.org');
  check((await page.getByLabel('Notes').inputValue()) === '', 'the stale form kept its text after the reload');
  await page.click('button:text-is("Cancel")');
  await page.waitForSelector('dd:text-is("ana@example.org")');
  check(!(await page.isVisible('text=Prefers morning appointments')), 'the stale edit was saved');
  console.log('edited; a stale edit refused and reloaded');

  // Orders: chest and abdomen CT in one urgent order, its accession number given; a second
  // order cancelled with its reason.
  await page.click('button:text-is("New order")');
  const orderForm = page.locator('[data-testid=order-dialog]');
  await orderForm.locator('button:text-is("Create the order")').click();
  await orderForm.locator('.field-error:text-is("This is required.")').first().waitFor();
  await orderForm.getByRole('checkbox', { name: 'CT · CT chest with contrast' }).check({ force: true });
  await orderForm.getByRole('checkbox', { name: 'CT · CT abdomen with contrast' }).check({ force: true });
  await orderForm.getByRole('radio', { name: 'Urgent' }).check({ force: true });
  check(await orderForm.locator('[data-testid=order-contrast-allergy]').isVisible(), 'no contrast allergy in the order dialog');
  await orderForm.getByLabel('Reason for the exam').fill('Weight loss; rule out malignancy');
  await orderForm.getByLabel('Clinical information').fill('Creatinine 0.9 mg/dL on 30 November');
  await checkAccessible(page, check, 'the order dialog');
  await shot(page, 'reception-new-order');
  await orderForm.locator('button:text-is("Create the order")').click();
  await page.waitForSelector('[data-testid=order-created]');
  const accession = (await page.textContent('[data-testid=order-created]')).match(/Order (\S+) created/)[1];
  const orderRow = page.locator(`tr[data-accession="${accession}"]`);
  check((await orderRow.textContent()).includes('CT chest with contrast + CT abdomen with contrast'), `order: ${await orderRow.textContent()}`);
  check((await orderRow.locator('[data-testid=order-status]').textContent()) === 'Requested', 'the new order is not requested');
  await page.click('button:text-is("New order")');
  await orderForm.getByRole('checkbox', { name: 'CT · CT chest with contrast' }).check({ force: true });
  await orderForm.getByLabel('Reason for the exam').fill('Follow-up');
  await orderForm.locator('button:text-is("Create the order")').click();
  await page.waitForSelector('[data-testid=order-created]:not(:has-text("' + accession + '"))');
  const followUp = (await page.textContent('[data-testid=order-created]')).match(/Order (\S+) created/)[1];
  await page.click(`button[aria-label="Cancel the order ${followUp}"]`);
  const cancelForm = page.locator('[data-testid=cancel-dialog]');
  await cancelForm.locator('button:text-is("Cancel the order")').click();
  await cancelForm.locator('.field-error:text-is("This is required.")').waitFor();
  await shot(page, 'reception-cancel-order');
  await cancelForm.getByLabel('Why is it cancelled?').fill('Duplicate request from the ward');
  await cancelForm.locator('button:text-is("Cancel the order")').click();
  await cancelForm.waitFor({ state: 'detached' });
  await page.waitForSelector(`tr[data-accession="${followUp}"] [data-testid=order-status]:has-text("Cancelled")`);
  await checkAccessible(page, check, 'the patient page with orders');
  await shot(page, 'reception-patient-orders');
  console.log(`order ${accession} created; order ${followUp} cancelled`);

  // Spanish, then Catalan, then back: the page and its dates in the reader's language.
  await page.selectOption('header select', 'es');
  await page.waitForSelector('header a:text-is("Pacientes")');
  check((await page.textContent('[data-testid=contrast-allergy-banner]')).includes('Alergia al contraste'), 'the banner is not in Spanish');
  check(/mar/.test(await page.textContent('[data-testid=identity]')), `Spanish date: ${await page.textContent('[data-testid=identity]')}`);
  await checkAccessible(page, check, 'the patient page in Spanish');
  await shot(page, 'reception-patient-es');
  await page.selectOption('header select', 'ca');
  await page.waitForSelector('header a:text-is("Pacients")');
  await page.reload();
  await page.waitForSelector('a:text-is("Edita")'); // the choice is kept
  await page.selectOption('header select', 'en');
  await page.waitForSelector('header a:text-is("Patients")');

  // A patient with a study in the archive: listed by MRN and issuer, one click from the viewer.
  const linked = env('VIREO_LINKED_MRN');
  await page.click('header a:text-is("Patients")');
  await page.getByLabel('Find a patient').fill(linked);
  await page.waitForSelector(`.patients-table tr[data-patient="${linked}"] a`);
  await page.click(`.patients-table tr[data-patient="${linked}"] a`);
  await page.waitForSelector('.patient-studies-list tbody tr');
  const studyRows = await page.locator('.patient-studies-list tbody tr').count();
  check(studyRows === 1, `${studyRows} studies listed: the same Patient ID from another issuer is another patient`);
  check((await page.textContent('[data-testid=other-issuer-studies]')).includes('One study has this Patient ID'),
    'the study with the same Patient ID from another issuer is not mentioned');
  await shot(page, 'reception-patient-studies');
  await page.click('.patient-studies-list a:text-is("Open in the viewer")');
  await page.waitForURL(/\/viewer\//);
  console.log(`the study of ${linked} opened in the viewer`);
}, async (page) => shot(page, 'reception-failure'));
