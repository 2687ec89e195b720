// End-to-end: from the request to the images, as reception and a technician do it in Chromium,
// each in a browser of their own. The technician opens the exams list first. Reception registers
// a patient (and is warned of a second, similar registration), orders a CT, books it from the
// calendar at the next free time, today, and checks the patient in. The technician's list shows
// the arrival without a reload (in a second tab too, which shares the first one's stream), with
// the contrast allergy and the clinical information; one
// click starts the exam, one more records the images as acquired; the radiologist is chosen on
// the row. Every page is checked with axe-core. (The audit trail of each step, with its actor, is
// read back by the test that runs this script.)
//
// Environment: VIREO_URL, VIREO_USER and VIREO_PASSWORD (a receptionist), VIREO_TECH_USER and
// VIREO_TECH_PASSWORD (a technician), VIREO_READER (the display name of a radiologist of the
// bookable staff), VIREO_SCREENSHOTS.
import { join } from 'node:path';
import { checkAccessible, env, fillDate, launch, passwordSignIn, run } from './session.mjs';

const BASE = env('VIREO_URL');
const SHOTS = process.env.VIREO_SCREENSHOTS;
const shot = async (page, name) => SHOTS && page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });

async function register(page, p) {
  await page.click('header a:text-is("Patients")');
  await page.click('a:text-is("Register a patient")');
  await page.getByLabel('Family name').fill(p.family);
  await page.getByLabel('Given name').fill(p.given);
  await fillDate(page, 'Birth date', p.birth);
  await page.getByRole('radio', { name: 'Female', exact: true }).check({ force: true });
  if (p.contrast) {
    await page.getByRole('checkbox', { name: 'Allergic to contrast media' }).check({ force: true });
    await page.getByLabel('Allergies').fill('Iodinated contrast: hives');
  }
  await page.click('button:text-is("Register")');
}

await run('exams end-to-end', async ({ page: tech, check }) => {
  const desk = await launch();
  const reception = desk.page;
  reception.on('pageerror', (e) => check(false, `reception page error: ${e.message}`));
  try {
    // The technician's list is open before anything happens at reception.
    await passwordSignIn(tech, BASE, env('VIREO_TECH_USER'), env('VIREO_TECH_PASSWORD'));
    await tech.click('header a:text-is("Exams")');
    await tech.waitForSelector('h1:text-is("Exams")');
    await tech.waitForSelector('[data-testid=live]:text-is("Live")');
    await tech.waitForSelector('[data-testid=no-exams]');
    // A second tab of the same browser shares the first one's stream, and hears as much.
    const tab = await tech.context().newPage();
    await tab.goto(`${BASE}/exams`);
    await tab.waitForSelector('[data-testid=live]:text-is("Live")');

    // Reception: a patient registered, and a second registration of her is caught.
    await passwordSignIn(reception, BASE, env('VIREO_USER'), env('VIREO_PASSWORD'));
    await register(reception, { family: 'Puig Serra', given: 'Marta', birth: '1968-09-21', contrast: true });
    await reception.waitForSelector('[data-testid=registered]');
    const patientUrl = reception.url().replace(/\?.*$/, '');
    await register(reception, { family: 'Puig Sera', given: 'Marta', birth: '1968-09-21' });
    await reception.waitForSelector('[data-testid=duplicates]');
    await reception.click('[data-testid=duplicates] a:text-is("Open this record")');
    await reception.waitForURL(patientUrl);

    // An order, booked from the calendar at the next free time (today), then checked in.
    await reception.click('button:text-is("New order")');
    const orderForm = reception.locator('[data-testid=order-dialog]');
    await orderForm.getByRole('checkbox', { name: 'CT · CT chest with contrast' }).check({ force: true });
    await orderForm.getByLabel('Reason for the exam').fill('Persistent cough; rule out a mass');
    await orderForm.getByLabel('Clinical information').fill('Creatinine 0.8 mg/dL last week');
    await orderForm.locator('button:text-is("Create the order")').click();
    await reception.waitForSelector('[data-testid=order-created]');
    const accession = (await reception.textContent('[data-testid=order-created]')).match(/Order (\S+) created/)[1];
    await reception.click('[data-testid=orders] a:text-is("Book")');
    await reception.waitForSelector('.free-times button');
    await reception.locator('.free-times button').first().click();
    await reception.waitForSelector('[data-testid=book-dialog]');
    await reception.click('[data-testid=book-dialog] button.primary');
    await reception.waitForSelector('[data-testid=schedule-notice]:has-text("Booked")');
    console.log(`order ${accession} booked`);

    // Booked: the technician's list shows it coming, without a reload.
    const row = tech.locator(`tr[data-accession="${accession}"]`);
    await row.waitFor({ timeout: 5000 });
    check((await row.getAttribute('data-status')) === 'scheduled', 'the booking is not shown as expected');

    await reception.click('.rbc-event:has-text("Puig Serra")');
    await reception.waitForSelector('[data-testid=appointment-dialog]');
    const checkedIn = Date.now();
    await reception.click('[data-testid=appointment-dialog] button:text-is("Check in")');
    await reception.waitForSelector('[data-testid=appointment-done]:has-text("is checked in")');

    // The arrival reaches the open list by itself, within a second or two.
    await tech.waitForSelector(`tr[data-accession="${accession}"][data-status=arrived]`, { timeout: 5000 });
    console.log(`the arrival reached the technician's list in ${Date.now() - checkedIn} ms`);
    await tab.waitForSelector(`tr[data-accession="${accession}"][data-status=arrived]`, { timeout: 5000 });
    await tab.close();
    const text = await row.textContent();
    check(text.includes('Contrast allergy'), 'the contrast allergy is not on the row');
    check(text.includes('Creatinine 0.8 mg/dL'), 'the clinical information is not on the row');
    check(text.includes('Persistent cough'), 'the reason is not on the row');
    await checkAccessible(tech, check, 'the exams list');
    await shot(tech, 'exams-arrived');

    // One click each: started, then acquired; the radiologist chosen on the row.
    await row.locator('button:text-is("Start exam")').click();
    await tech.waitForSelector(`tr[data-accession="${accession}"][data-status=in_progress]`);
    await row.locator('button:text-is("Images acquired")').click();
    await tech.waitForSelector(`tr[data-accession="${accession}"][data-status=acquired]`);
    await row.locator('.select-button').click();
    await tech.getByRole('option', { name: env('VIREO_READER') }).click();
    await tech.waitForSelector(`tr[data-accession="${accession}"] .select-button:has-text("${env('VIREO_READER')}")`);
    await checkAccessible(tech, check, 'the exams list after the exam');
    await shot(tech, 'exams-acquired');

    // The list in Spanish.
    await tech.selectOption('header select', 'es');
    await tech.waitForSelector('h1:text-is("Exploraciones")');
    await tech.waitForSelector('[data-testid=live]:text-is("En directo")');
    await checkAccessible(tech, check, 'the exams list in Spanish');
    await shot(tech, 'exams-es');
    await tech.selectOption('header select', 'en');
  } finally {
    await desk.close();
  }
}, async (page) => shot(page, 'exams-failure'));
