// End-to-end: reception answers appointment requests in Chromium. Two requests wait (asked for
// through the API, as a referrer's or the portal's would be); the first is booked from the
// calendar, which opens on the first day that suits the patient with their preferences in sight
// and offers only the free times that suit (afternoons here) until told to show them all;
// the second is declined with a reason (refused without one). Each answered request leaves the
// waiting list and is found under its answer. Every page is checked with axe-core.
//
// Environment: VIREO_URL, VIREO_USER, VIREO_PASSWORD (a receptionist), VIREO_FIRST and
// VIREO_SECOND (the two patients' family names, in the order asked), VIREO_SCREENSHOTS.
import { join } from 'node:path';
import { checkAccessible, env, passwordSignIn, run } from './session.mjs';

const BASE = env('VIREO_URL');
const SHOTS = process.env.VIREO_SCREENSHOTS;
const shot = async (page, name) => SHOTS && page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });

await run('requests end-to-end', async ({ page, check }) => {
  await passwordSignIn(page, BASE, env('VIREO_USER'), env('VIREO_PASSWORD'));
  await page.click('header a:text-is("Requests")');
  await page.waitForSelector('h1:text-is("Appointment requests")');
  await page.waitForSelector('[data-testid=requests] tbody tr');
  const names = await page.$$eval('[data-testid=requests] tbody tr', (rows) => rows.map((r) => r.textContent));
  check(names.length === 2 && names[0].includes(env('VIREO_FIRST')) && names[1].includes(env('VIREO_SECOND')),
    `the longest waiting is not first: ${names}`);
  check(names[0].includes('Afternoons only'), 'the note is not shown');
  await checkAccessible(page, check, 'the requests list');
  await shot(page, 'requests-pending');

  // Booked from the calendar, opened on the first day that suits, the preferences in sight.
  await page.click(`[data-testid=requests] tr:has-text("${env('VIREO_FIRST')}") a:text-is("Book")`);
  await page.waitForSelector('[data-testid=booking-panel]');
  const prefers = await page.textContent('[data-testid=request-preferences]');
  check(prefers.includes('Suits the patient') && prefers.includes('afternoons') && prefers.includes('Afternoons only'),
    `the preferences are not shown while booking: ${prefers}`);
  await page.waitForSelector('.free-times button');
  // "2:00 PM" or "14:00": the hour on the clinic's clock, as the button says it.
  const hourOf = (s) => {
    const m = s.match(/(\d{1,2}):\d{2}\s*([AP]M)?/);
    if (!m) return -1;
    return m[2] ? (Number(m[1]) % 12) + (m[2] === 'PM' ? 12 : 0) : Number(m[1]);
  };
  const hours = async () => (await page.$$eval('.free-times button', (bs) => bs.map((b) => b.textContent))).map(hourOf);
  const suiting = await hours();
  check(suiting.length > 0 && suiting.every((h) => h >= 14), `times offered outside the afternoon asked for: ${suiting}`);
  const settles = async (ok) => {
    for (let i = 0; i < 50; i++, await page.waitForTimeout(100)) if (ok(await hours())) return true;
    return false;
  };
  await page.getByRole('checkbox', { name: 'Only times that suit the patient' }).uncheck({ force: true });
  check(await settles((hs) => hs.some((h) => h < 14)), 'every free time is not offered once asked for');
  await page.getByRole('checkbox', { name: 'Only times that suit the patient' }).check({ force: true });
  check(await settles((hs) => hs.length > 0 && hs.every((h) => h >= 14)), 'the afternoons alone are not offered again');
  await checkAccessible(page, check, 'the calendar booking a request');
  await shot(page, 'requests-booking');
  await page.locator('.free-times button').first().click();
  await page.waitForSelector('[data-testid=book-dialog]');
  const [answer] = await Promise.all([
    page.waitForResponse((r) => /\/api\/ris\/appointment-requests\/\d+\/confirm$/.test(new URL(r.url()).pathname)),
    page.click('[data-testid=book-dialog] button.primary'),
  ]);
  check(answer.status() === 201, `the request was not confirmed: ${answer.status()}`);
  await page.waitForSelector('[data-testid=schedule-notice]:has-text("Booked")');

  // The second declined: a reason is required.
  await page.click('header a:text-is("Requests")');
  await page.waitForSelector(`[data-testid=requests] tr:has-text("${env('VIREO_SECOND')}")`);
  // (the list shown at once may be the one read before the booking: it is read again on arrival)
  await page.waitForSelector(`[data-testid=requests] tr:has-text("${env('VIREO_FIRST')}")`, { state: 'detached', timeout: 5000 })
    .catch(() => check(false, 'the booked request still waits'));
  await page.click(`[data-testid=requests] tr:has-text("${env('VIREO_SECOND')}") button:text-is("Decline")`);
  const dialog = page.locator('[data-testid=decline-dialog]');
  await dialog.locator('button:text-is("Decline the request")').click();
  await dialog.locator('.field-error:has-text("Say why")').waitFor();
  await dialog.getByLabel('Why is it declined?').fill('The referrer asked for an MRI instead');
  await checkAccessible(page, check, 'the decline dialog');
  await dialog.locator('button:text-is("Decline the request")').click();
  await page.waitForSelector('[data-testid=request-done]:has-text("is declined")');
  await page.waitForSelector('[data-testid=no-requests]');

  // Each under its answer.
  // (the choice is the address's: it shows once the page has followed it)
  await page.getByRole('radio', { name: 'Booked' }).click({ force: true });
  await page.waitForSelector(`[data-testid=requests] tr:has-text("${env('VIREO_FIRST')}") a:text-is("Booked: the slip")`);
  await page.getByRole('radio', { name: 'Declined' }).click({ force: true });
  await page.waitForSelector(`[data-testid=requests] tr:has-text("MRI instead")`);
  await checkAccessible(page, check, 'the declined requests');
  await shot(page, 'requests-declined');
}, async (page) => shot(page, 'requests-failure'));
