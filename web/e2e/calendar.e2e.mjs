// End-to-end: reception's appointment calendar in Chromium. A receptionist opens a patient with
// a contrast allergy, books their order from the calendar with the keyboard (the next free
// times), books a second order by clicking a free slot in the grid and drags it earlier, is told
// in plain words when someone else took the time first, moves an appointment to another time,
// checks the first patient in and prints the slip with the preparation. The calendar shows the
// clinic's time whatever the browser's zone (this browser runs in another). Every page and
// dialog is checked with axe-core.
//
// Environment: VIREO_URL, VIREO_USER, VIREO_PASSWORD (a receptionist), VIREO_PATIENT_ID (a
// patient with a contrast allergy and a requested CT order), VIREO_ORDER2, VIREO_ORDER3 (two
// other requested CT orders), VIREO_RIVAL_ORDER and VIREO_ADMIN_TOKEN (to take a time first,
// as another desk would), VIREO_ZONE (the clinic's), VIREO_SCREENSHOTS.
import { join } from 'node:path';
import { checkAccessible, env, passwordSignIn, run } from './session.mjs';

const BASE = env('VIREO_URL');
const ZONE = env('VIREO_ZONE');
const SHOTS = process.env.VIREO_SCREENSHOTS;
const shot = async (page, name) => SHOTS && page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0'; // the test server's own certificate, for the rival desk

// The clinic's wall-clock time of an instant, as the calendar must show it: "14:35", or
// "2:35" as a 12-hour clock writes it.
const clinicTime = (iso) => {
  const [h, m] = new Intl.DateTimeFormat('en-GB', { timeZone: ZONE, hour: '2-digit', minute: '2-digit' }).format(new Date(iso)).split(':');
  return new RegExp(`(^|\\D)(${h}|0?${Number(h) % 12 || 12}):${m}(\\D|$)`);
};
const shows = (text, iso) => clinicTime(iso).test(text);

// What another desk does at the same moment: books `order` in `room` at `start`.
async function rivalBooks(order, room, start) {
  const r = await fetch(`${BASE}/api/ris/appointments`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${env('VIREO_ADMIN_TOKEN')}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ orderId: Number(order), roomId: room, startsAt: start }),
  });
  return r.status;
}

// The booking the page is about to make, read from the confirm dialog's request.
async function confirmAndAnswer(page) {
  const [response] = await Promise.all([
    page.waitForResponse((r) => /\/api\/ris\/appointments(\/\d+\/move)?$/.test(new URL(r.url()).pathname) && r.request().method() === 'POST'),
    page.click('[data-testid=book-dialog] button.primary'),
  ]);
  return response;
}

await run('calendar end-to-end', async ({ page, check }) => {
  await passwordSignIn(page, BASE, env('VIREO_USER'), env('VIREO_PASSWORD'));
  await page.waitForSelector('header a:text-is("Appointments")');

  // From the patient's order to the calendar, booking it: the allergy stays in sight.
  await page.goto(`${BASE}/patients/${env('VIREO_PATIENT_ID')}`);
  await page.click('[data-testid=orders] a:text-is("Book")');
  await page.waitForSelector('[data-testid=booking-panel]');
  check(await page.waitForSelector('[data-testid=booking-panel] .allergy-banner', { timeout: 5000 }).then(() => true, () => false),
    'the contrast allergy is not shown while booking');
  await page.waitForSelector('.free-times button');
  await page.waitForSelector('.rbc-day-slot .rbc-time-slot.slot-free');
  await checkAccessible(page, check, 'the calendar in booking mode');
  await shot(page, 'calendar-booking');

  // The keyboard's way: the first of the next free times, confirmed.
  const first = page.locator('.free-times button').first();
  const label = await first.textContent();
  await first.focus();
  await page.keyboard.press('Enter');
  await page.waitForSelector('[data-testid=book-dialog]');
  await checkAccessible(page, check, 'the booking confirmation');
  const booked = await (await confirmAndAnswer(page)).json();
  await page.waitForSelector('[data-testid=schedule-notice]:has-text("Booked")');
  check(shows(label, booked.startsAt), `the free time "${label}" is not the booked ${booked.startsAt} in the clinic's zone`);
  check(await page.waitForSelector('[data-testid=booking-panel]', { state: 'detached', timeout: 5000 }).then(() => true, () => false),
    'the calendar stayed in booking mode after booking');
  await page.waitForSelector(`.rbc-event:has-text("${booked.patient.name}")`);

  // The mouse's way: a green slot of the grid clicked, for a second order.
  await page.goto(`${BASE}/calendar?order=${env('VIREO_ORDER2')}`);
  await page.waitForSelector('.rbc-day-slot .rbc-time-slot.slot-free');
  // (the events' layer lies over the column's slots: the click goes through it, as a person's does)
  await page.locator('.rbc-day-slot .rbc-time-slot.slot-free').nth(6).click({ force: true });
  await page.waitForSelector('[data-testid=book-dialog]');
  let second = await (await confirmAndAnswer(page)).json();
  check(second.status === 'booked', `the clicked slot was not booked: ${JSON.stringify(second)}`);
  await page.waitForSelector('[data-testid=schedule-notice]:has-text("Booked")');

  // Dragged earlier up the grid (up: the grid may end just below it), then confirmed: a drop
  // moves nobody by accident.
  const event = page.locator(`.rbc-event:has-text("${second.patient.name}")`);
  await event.scrollIntoViewIfNeeded();
  const box = await event.boundingBox();
  const quarter = (await page.locator('.rbc-day-slot .rbc-time-slot').first().boundingBox()).height;
  await page.mouse.move(box.x + box.width / 2, box.y + 3);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width / 2, box.y + 3 - quarter, { steps: 5 });
  await page.mouse.move(box.x + box.width / 2, box.y + 3 - 2 * quarter, { steps: 5 });
  await page.mouse.up();
  await page.waitForSelector('[data-testid=book-dialog]:has-text("Move the appointment")');
  const dropped = await confirmAndAnswer(page);
  const dragged = await dropped.json();
  // (where the grab lands within the event decides whether it snaps to one or two quarters)
  const earlier = Date.parse(second.startsAt) - Date.parse(dragged.startsAt);
  check(dropped.status() === 200 && earlier > 0 && earlier <= 30 * 60_000 && earlier % (15 * 60_000) === 0,
    `the drag did not move the appointment earlier by the quarters dragged: ${dropped.status()} ${second.startsAt} → ${dragged.startsAt}`);
  await page.waitForSelector('[data-testid=schedule-notice]:has-text("Moved")');
  if (dropped.status() === 200) second = dragged;

  // Someone else takes the time between the click and the confirmation: said in plain words.
  await page.goto(`${BASE}/calendar?order=${env('VIREO_ORDER3')}`);
  await page.waitForSelector('.free-times button');
  await page.locator('.free-times button').first().click();
  await page.waitForSelector('[data-testid=book-dialog]');
  const wanted = (await page.textContent('[data-testid=book-when]')).trim();
  const slotsAnswer = await page.evaluate(async (order) => {
    const clinic = await (await fetch('/api/ris/clinic')).json();
    return (await fetch(`/api/ris/slots?order=${order}&from=${clinic.today}&days=1`)).json();
  }, env('VIREO_ORDER3'));
  const w = slotsAnswer.windows[0];
  check(await rivalBooks(env('VIREO_RIVAL_ORDER'), w.roomId, w.first) === 201, 'the rival desk could not book');
  const refused = await confirmAndAnswer(page);
  check(refused.status() === 409, `a time taken meanwhile was booked again (${refused.status()}) for ${wanted}`);
  await page.waitForSelector('[data-testid=schedule-notice]:has-text("Someone else has just booked this time")');
  check(await page.isVisible('[data-testid=booking-panel]'), 'the booking was abandoned after a conflict');
  await shot(page, 'calendar-conflict');

  // The first appointment opened from the calendar and moved to the next free time.
  await page.goto(`${BASE}/calendar`);
  await page.click(`.rbc-event:has-text("${booked.patient.name}")`);
  await page.waitForSelector('[data-testid=appointment-dialog]');
  check((await page.textContent('[data-testid=appointment-dialog]')).includes('Contrast allergy'), 'the appointment does not show the allergy');
  await checkAccessible(page, check, 'the appointment dialog');
  await page.click('[data-testid=appointment-dialog] button:text-is("Move")');
  await page.waitForSelector('[data-testid=booking-panel]:has-text("Moving the appointment")');
  await page.locator('.free-times button').nth(1).click();
  await page.waitForSelector('[data-testid=book-dialog]:has-text("Move the appointment")');
  const moved = await (await confirmAndAnswer(page)).json();
  check(moved.id === booked.id && moved.startsAt !== booked.startsAt, `the appointment was not moved: ${JSON.stringify(moved)}`);
  await page.waitForSelector('[data-testid=schedule-notice]:has-text("Moved")');

  // Checked in today, the appointment opened with the keyboard; the calendar shows the arrival.
  await page.focus(`.rbc-event:has-text("${booked.patient.name}")`);
  await page.keyboard.press('Enter');
  await page.waitForSelector('[data-testid=appointment-dialog]');
  check(shows(await page.textContent('[data-testid=appointment-when]'), moved.startsAt),
    'the appointment\'s time is not the clinic\'s');
  await shot(page, 'calendar-appointment');
  await page.click('[data-testid=appointment-dialog] button:text-is("Check in")');
  await page.waitForSelector('[data-testid=appointment-done]:has-text("is checked in")');
  await page.click('[data-testid=appointment-dialog] button:text-is("Close")');
  await page.waitForSelector(`.rbc-event.status-arrived:has-text("${booked.patient.name}")`);
  await checkAccessible(page, check, 'the day\'s calendar');
  await shot(page, 'calendar-day');

  // The slip: when, where, and how to prepare, with the reference's QR code.
  await page.click(`.rbc-event:has-text("${second.patient.name}")`);
  await page.click('[data-testid=appointment-dialog] a:text-is("Appointment slip")');
  await page.waitForSelector('[data-testid=slip] img');
  check((await page.textContent('[data-testid=slip-preparation]')).includes('creatinine'), 'the slip has no preparation');
  check(shows(await page.textContent('[data-testid=slip-when]'), second.startsAt), 'the slip\'s time is not the clinic\'s');
  await checkAccessible(page, check, 'the appointment slip');
  await shot(page, 'appointment-slip');

  // The week of a room, in Spanish.
  await page.goto(`${BASE}/calendar?view=week`);
  await page.selectOption('header select', 'es');
  await page.waitForSelector('button:text-is("Hoy")');
  await page.waitForSelector('.rbc-time-view .rbc-header');
  await checkAccessible(page, check, 'the week view');
  await shot(page, 'calendar-week-es');
  await page.selectOption('header select', 'en');
}, async (page) => shot(page, 'calendar-failure'));
