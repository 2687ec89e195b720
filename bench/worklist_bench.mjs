// A change on the technicians' open worklists, as they see it: `VIREO_BROWSERS` Chromium
// browsers (playwright-core), each signed in as a technician on VIREO_READ_URL with the exams
// list of one room open; the bench checks the room's patients in one by one through the API of
// VIREO_WRITE_URL (another node, or the same) and times each from just before the request to
// the first animation frame callback after the row says arrived, in each browser (one sample
// per browser). Prints JSON.
//
// Environment: VIREO_READ_URL, VIREO_WRITE_URL, VIREO_TOKEN (a bearer token for check-ins),
// VIREO_TECH_USER, VIREO_TECH_PASSWORD, VIREO_ROOM (its id), VIREO_EXAMS (JSON list of
// {id, version, accession}), VIREO_BROWSERS (default 2).
import { env, launch, passwordSignIn } from '../web/e2e/session.mjs';

const READ = env('VIREO_READ_URL');
const WRITE = env('VIREO_WRITE_URL');
const EXAMS = JSON.parse(env('VIREO_EXAMS'));
const BROWSERS = Number(process.env.VIREO_BROWSERS ?? 2);

// Arms the page to note, on its own clock (Date.now(), the machine's as the driver's), the first
// animation frame after the row of `accession` says arrived: the frame in which it is painted.
const arm = (page, accession) => page.evaluate((acc) => {
  const selector = `tr[data-accession="${acc}"][data-status=arrived]`;
  window.benchShown = new Promise((resolve) => {
    const painted = () => requestAnimationFrame(() => resolve(Date.now()));
    if (document.querySelector(selector)) return painted();
    const observer = new MutationObserver(() => {
      if (!document.querySelector(selector)) return;
      observer.disconnect();
      painted();
    });
    observer.observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-status'] });
  });
}, accession);

const shown = (page, ms = 10000) => page.evaluate((limit) => Promise.race([window.benchShown,
  new Promise((_, reject) => setTimeout(() => reject(new Error('not shown')), limit))]), ms);

const browsers = [];
try {
  for (let i = 0; i < BROWSERS; i++) {
    const b = await launch();
    browsers.push(b);
    await passwordSignIn(b.page, READ, env('VIREO_TECH_USER'), env('VIREO_TECH_PASSWORD'));
    await b.page.waitForSelector('header a:text-is("Exams")');
    await b.page.goto(`${READ}/exams?room=${env('VIREO_ROOM')}`);
    await b.page.waitForSelector('[data-testid=live]:text-is("Live")');
    await b.page.waitForSelector(`tr[data-accession="${EXAMS[0].accession}"]`);
  }
  await new Promise((r) => setTimeout(r, 2000));
  const out = { shown: [], slowest: [], answered: [], rows: await browsers[0].page.locator('tr[data-accession]').count() };
  for (const exam of EXAMS) {
    for (const b of browsers) await arm(b.page, exam.accession);
    const sent = Date.now();
    const r = await fetch(`${WRITE}/api/ris/appointments/${exam.id}/arrive`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${env('VIREO_TOKEN')}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ version: exam.version }),
    });
    if (r.status !== 200) throw new Error(`check-in ${exam.id}: ${r.status} ${await r.text()}`);
    out.answered.push(Date.now() - sent);
    const each = [];
    for (const b of browsers) each.push((await shown(b.page)) - sent);
    out.shown.push(...each);
    out.slowest.push(Math.max(...each));  // when every open list shows it
    // A desk's pace, not a burst: each change lands on lists that are at rest.
    await new Promise((r) => setTimeout(r, 300));
  }
  console.log(JSON.stringify(out));
} finally {
  for (const b of browsers) await b.close();
}
