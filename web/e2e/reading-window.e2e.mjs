// End-to-end: a radiologist with two screens, in Chromium. From her reading worklist she looks at
// a patient's prior report without opening the exam. She opens an exam from her reading
// worklist with the images beside the report, then puts them in a window of their own: the report
// goes full width and keeps what she had typed. A length drawn in the images window goes into the
// findings, and the image it shows among the key images, each with one action. While that window
// shows another patient's exam, both windows say so, and the report takes neither measurements nor
// key images from it until she shows this exam there. Leaving the report clears the images window;
// on the next exam (its prior report beside it) it follows the report; closed, the report says so, and the images come back
// beside it. Each screen is checked with
// axe-core.
//
// Environment: VIREO_URL, VIREO_USER and VIREO_PASSWORD (a radiologist without TOTP set up yet),
// VIREO_FIRST_ORDER and VIREO_SECOND_ORDER (two mammograms waiting: Ferrer i Vidal's, Soler
// Mas's), VIREO_PRIOR_ACCESSION (Soler Mas's earlier one, its report signed), VIREO_SCREENSHOTS.
import { join } from 'node:path';
import { checkAccessible, drawLength, env, firstImageDrawn, run, signIn } from './session.mjs';

const BASE = env('VIREO_URL');
const SHOTS = process.env.VIREO_SCREENSHOTS;
const FIRST = env('VIREO_FIRST_ORDER');
const SECOND = env('VIREO_SECOND_ORDER');
const PRIOR = env('VIREO_PRIOR_ACCESSION');

const shot = async (page, name) => SHOTS && page.screenshot({ path: join(SHOTS, `${name}.png`) });
const status = (page, value) => page.waitForSelector(`[data-testid=images-window][data-status=${value}]`, { timeout: 10000 });

await run('reading-window end-to-end', async ({ page, context, check }) => {
  await page.setViewportSize({ width: 1920, height: 1080 });
  await signIn(page, BASE, env('VIREO_USER'), env('VIREO_PASSWORD'));
  await page.waitForSelector('h1:text-is("Reading worklist")');

  // Soler Mas's prior report, from the worklist, without opening her exam.
  const soler = '[data-testid=reading] tr:has-text("Soler Mas")';
  const priorsButton = page.locator(`${soler} [data-testid=prior-reports-open]`);
  check(await priorsButton.textContent() === '1 prior report', `the worklist says: ${await priorsButton.textContent()}`);
  check(await priorsButton.getAttribute('aria-label') === '1 prior report of Soler Mas, Carme', 'the button names whose');
  check(await page.locator('[data-testid=reading] tr:has-text("Ferrer i Vidal") [data-testid=prior-reports-open]').count() === 0,
    'a patient without a prior report is offered one');
  await priorsButton.click();
  const dialog = page.locator('[data-testid=prior-reports-dialog]');
  await dialog.locator(`[data-testid=prior-reports] li[data-accession="${PRIOR}"]`).waitFor();
  const said = await dialog.textContent();
  check(said.includes('Impression: BI-RADS 1: negative.') && said.includes('Signed by Dr. Joan Riera'),
    `the prior report in the dialog: ${said}`);
  await checkAccessible(page, check, 'the prior reports from the worklist');
  await shot(page, 'reading-prior-reports');
  await dialog.getByRole('button', { name: 'Close' }).click();
  await dialog.waitFor({ state: 'detached' });

  // The first exam, its images beside the report, as on one screen.
  await page.click('[data-testid=reading] tr:has-text("Ferrer i Vidal") button:text-is("Read")');
  await page.waitForURL(new RegExp(`/reading/${FIRST}$`));
  await firstImageDrawn(page);
  const findings = page.locator('textarea[data-section=findings]');
  await findings.waitFor();
  await findings.fill('Irregular spiculated mass, upper outer quadrant of the left breast.');
  // Not saved yet as the images move: the text kept shows the editor kept, not loaded again.
  await page.waitForSelector('[data-testid=save-state][data-state=pending]', { timeout: 1000 });

  // The images to a window of their own, at once (the text is not saved yet): the report full
  // width, what she typed still there.
  const [images] = await Promise.all([
    context.waitForEvent('page'),
    page.click('[data-testid=images-window-open]'),
  ]);
  images.on('pageerror', (e) => check(false, `images window error: ${e.message}`));
  await images.waitForURL(new RegExp(`/reading/${FIRST}/images$`));
  await images.setViewportSize({ width: 1920, height: 1080 });
  await firstImageDrawn(images);
  await status(page, 'same');
  const focused = () => page.evaluate(() => document.activeElement?.getAttribute('data-testid'));
  check(await focused() === 'images-here', `the focus after the images moved: ${await focused()}`);
  check(await page.locator('.viewport').count() === 0, 'the report window still shows images');
  check((await findings.inputValue()).startsWith('Irregular spiculated mass'),
    `what was typed before the images moved: ${JSON.stringify(await findings.inputValue())}`);
  const title = await images.title();
  check(title === 'Images · Vireo', `the images window's title (on the taskbar, in shared screens): ${title}`);

  // A length drawn there, into the findings here; the image shown there, a key image here.
  const box = await images.locator('.viewport .element canvas').first().boundingBox();
  const [cx, cy] = [box.x + box.width / 2, box.y + box.height / 2];
  await drawLength(images, [cx - 80, cy], [cx + 80, cy]);
  // Said within a quarter of a second: until then there is nothing to insert.
  for (let tries = 0; tries < 20 && !(await findings.inputValue()).includes('Length:'); tries++) {
    await page.click('[data-testid=insert-measurements]');
    await page.waitForTimeout(150);
  }
  const text = await findings.inputValue();
  check(/\nLength: \d+(\.\d)? mm \(estimated at the patient\)$/.test(text), `the findings with the measurement: ${JSON.stringify(text)}`);
  await page.click('[data-testid=add-key-image]');
  await page.locator('[data-testid=key-image]').waitFor();
  await page.waitForSelector('[data-testid=save-state][data-state=saved]', { timeout: 15000 });
  await checkAccessible(page, check, 'the report with its images in another window');
  await page.evaluate(() => window.scrollTo(0, 0));
  await shot(page, 'report-images-window');
  await page.evaluate(() => window.scrollTo(0, document.body.scrollHeight));
  await shot(images, 'images-window');

  // The images window on another patient's exam: said there and here, and nothing taken from
  // there, though it has a measurement and an image on screen.
  await images.goto(`${BASE}/reading/${SECOND}/images`);
  await firstImageDrawn(images);
  await images.locator('[data-testid=images-not-reported]').waitFor({ timeout: 10000 });
  await drawLength(images, [cx - 50, cy + 40], [cx + 50, cy + 40]);
  await shot(images, 'images-window-not-reported');
  const other = page.locator('[data-testid=images-window-other]');
  await other.waitFor({ timeout: 10000 });
  const warned = await other.textContent();
  check(/Soler Mas/.test(warned ?? ''), `the warning names the patient shown there: ${warned}`);
  // In sight wherever the report is scrolled to.
  const seen = await other.boundingBox();
  check(seen && seen.y >= 0 && seen.y + seen.height <= 1080, `the warning is out of sight: ${JSON.stringify(seen)}`);
  await checkAccessible(page, check, 'the report while the images window shows another exam');
  await shot(page, 'report-images-window-other');
  await page.waitForTimeout(500); // what the images window says of its measurement has arrived
  const before = await findings.inputValue();
  await page.click('[data-testid=insert-measurements]');
  check(await findings.inputValue() === before, `a measurement from the other patient's exam: ${await findings.inputValue()}`);
  const why = await page.textContent('[data-testid=report-problem]');
  check(/does not show this exam/.test(why ?? ''), `why no measurement was inserted: ${why}`);
  await page.click('[data-testid=add-key-image]');
  const refused = await page.textContent('[data-testid=key-image-refused]');
  check(await page.locator('[data-testid=key-image]').count() === 1 && /does not show this exam/.test(refused ?? ''),
    `a key image from the other patient's exam: ${refused}`);
  await page.click('[data-testid=images-window-show]');
  await images.waitForURL(new RegExp(`/reading/${FIRST}/images$`));
  await status(page, 'same');
  await images.locator('[data-testid=images-not-reported]').waitFor({ state: 'detached' });

  // Leaving the report clears the images window; the next exam shows there.
  await page.click('button:text-is("Leave for another radiologist")');
  await page.waitForSelector('h1:text-is("Reading worklist")');
  await images.locator('[data-testid=images-idle]').waitFor({ timeout: 10000 });
  check(await images.locator('.viewport').count() === 0, 'the last patient\'s images stay on screen with no report open');
  await page.click('[data-testid=reading] tr:has-text("Soler Mas") button:text-is("Read")');
  await page.waitForURL(new RegExp(`/reading/${SECOND}$`));
  await images.waitForURL(new RegExp(`/reading/${SECOND}/images$`));
  await firstImageDrawn(images);
  await status(page, 'same');
  check(await page.locator('.viewport').count() === 0, 'the next exam opened with its images beside the report');
  // Her prior report beside the new one, one click away; its whole text one more.
  const priors = page.locator('[data-testid=prior-reports-section]');
  const opener = priors.getByRole('button', { name: 'Prior reports (1)' });
  check(await opener.count() === 1, 'the prior reports are not counted');
  await opener.click();
  const prior = priors.locator(`li[data-accession="${PRIOR}"]`);
  await prior.waitFor();
  await prior.getByText('The whole report').click();
  const whole = await prior.textContent();
  check(whole.includes('Scattered fibroglandular densities.'), `the prior's whole text: ${whole}`);
  await checkAccessible(page, check, 'the prior report beside the report');
  await page.evaluate(() => window.scrollTo(0, 0));
  await shot(page, 'report-prior-reports');

  // The images window closed: said here; the images come back beside the report.
  await images.close({ runBeforeUnload: true });
  await status(page, 'none');
  await page.click('[data-testid=images-here]');
  await firstImageDrawn(page);
  check(await focused() === 'images-window-open', `the focus after the images came back: ${await focused()}`);
  await page.locator('textarea[data-section=findings]').waitFor();
  check(await page.evaluate(() => localStorage.getItem('vireo.reading.images')) === 'beside',
    'the images are kept beside the report for the next exam');

  // An exam whose images have not reached the archive: said so in place of the images, the report
  // beside it, and the way back to the worklist.
  await page.goto(`${BASE}/reading`);
  await page.click('[data-testid=reading] tr:has-text("Roca Font") button:text-is("Read")');
  const missing = page.locator('[data-testid=no-images]');
  await missing.waitFor();
  check(/not in the archive yet/.test(await missing.textContent()), `in place of the images: ${await missing.textContent()}`);
  await page.locator('textarea[data-section=findings]').waitFor();
  await missing.getByRole('button', { name: 'Back to the reading worklist' }).click();
  await page.waitForSelector('h1:text-is("Reading worklist")');
});
