// End-to-end: a radiologist reads a screening mammogram, in Chromium on a 1920×1080 screen. Her
// home is the reading worklist; a colleague's list (another browser) shows, without a reload,
// that she is reading the exam she opened. The exam opens with its image beside the report,
// written from the mammography template (its normal text, a normal-text macro); a length drawn
// on the image goes into the findings with one action; a BI-RADS 4 finding is added from its
// vocabulary; the text saves itself as it is typed. A wrong
// code signs nothing; her authenticator's code signs it: the report is final, its signature
// checks out, and an addendum signed after it leaves the first version as it was. Every page is
// checked with axe-core. (The PDFs are checked with pdfsig by the test that runs this script.)
//
// Environment: VIREO_URL, VIREO_USER and VIREO_PASSWORD (a radiologist without TOTP set up yet),
// VIREO_OTHER_USER and VIREO_OTHER_PASSWORD (another radiologist), VIREO_PATIENT (the family name
// of the patient whose exam waits), VIREO_SCREENSHOTS.
import { join } from 'node:path';
import { checkAccessible, drawLength, env, firstImageDrawn, launch, run, signIn, totp } from './session.mjs';

const BASE = env('VIREO_URL');
const SHOTS = process.env.VIREO_SCREENSHOTS;
const PATIENT = env('VIREO_PATIENT');
// One of a select field's options, the field found by its label within `scope` (its button is
// named by what it shows, then the label, and a required one's asterisk).
async function choose(page, scope, label, option) {
  await scope.getByRole('button', { name: new RegExp(`(^| )${label.replace(/[()]/g, '\\$&')}( \\*)?$`) }).click();
  await page.getByRole('option', { name: option, exact: true }).click();
}

const shot = async (page, name) => SHOTS && page.screenshot({ path: join(SHOTS, `${name}.png`) });

await run('reporting end-to-end', async ({ page, check }) => {
  await page.setViewportSize({ width: 1920, height: 1080 });
  const colleague = await launch();
  colleague.page.on('pageerror', (e) => check(false, `colleague page error: ${e.message}`));
  try {
    // The colleague's reading worklist is open first.
    await signIn(colleague.page, BASE, env('VIREO_OTHER_USER'), env('VIREO_OTHER_PASSWORD'));
    await colleague.page.waitForSelector('h1:text-is("Reading worklist")');
    await colleague.page.waitForSelector('[data-testid=live]:text-is("Live")');
    const row = `[data-testid=reading] tr:has-text("${PATIENT}")`;
    await colleague.page.waitForSelector(`${row}[data-state=waiting]`);

    // Her home is the reading worklist.
    const secret = await signIn(page, BASE, env('VIREO_USER'), env('VIREO_PASSWORD'));
    // Each code is good once, and the server takes the next step's too (one step of drift): a
    // code newer than the last one used, waiting for the next step when there is none.
    let used = Math.floor(Date.now() / 30000);
    const freshCode = async () => {
      for (;;) {
        const step = Math.floor(Date.now() / 30000);
        if (step + 1 > used) {
          used = step + 1;
          return totp(secret, used * 30000 + 1000);
        }
        await new Promise((r) => setTimeout(r, 1000));
      }
    };
    await page.waitForSelector('h1:text-is("Reading worklist")');
    await page.waitForSelector(`${row}`);
    const site = await page.textContent(`${row} [data-testid=site]`).catch(() => '');
    check(site === 'Sant Cugat', `the exam's centre on the worklist: ${site}`);
    await checkAccessible(page, check, 'the reading worklist');
    await shot(page, 'reading-worklist');

    // The next exam: its images and its report side by side; she is now its reader.
    await page.click('[data-testid=read-next]');
    await page.waitForURL(/\/reading\/\d+$/);
    await firstImageDrawn(page);
    await page.waitForSelector('[data-testid=report-editor] textarea[data-section=findings]');
    await colleague.page.waitForSelector(`${row}[data-state=other]`, { timeout: 5000 }).catch(() =>
      check(false, 'the colleague\'s list did not show who reads the exam'));
    const said = await colleague.page.textContent(`${row} [data-testid=read-by-other]`).catch(() => '');
    check(/Marta Puig is reading it/.test(said ?? ''), `the colleague's list says: ${said}`);

    // A length on the image, into the findings with one action.
    const box = await page.locator('.viewport .element canvas').first().boundingBox();
    await drawLength(page, [box.x + box.width / 2 - 60, box.y + box.height / 2], [box.x + box.width / 2 + 60, box.y + box.height / 2]);
    // The procedure's template (mammography) is where the report starts: its normal text, the
    // order's clinical information as the indication.
    const findings = page.locator('textarea[data-section=findings]');
    check((await findings.inputValue()).startsWith('Breast composition:'), `the template's findings: ${await findings.inputValue()}`);
    check((await page.locator('textarea[data-section=technique]').inputValue()).includes('craniocaudal'),
      'the template\'s technique');
    check((await page.locator('textarea[data-section=indication]').inputValue()).includes('Screening'), 'the order\'s reason');
    await findings.fill('Irregular spiculated mass in the upper outer quadrant of the left breast.');
    await page.click('[data-testid=insert-measurements]');
    const text = await findings.inputValue();
    // In millimetres estimated at the breast: this mammogram has Imager Pixel Spacing 0.085 mm and
    // a magnification factor of 1.0433, and no Pixel Spacing. The line is 120 screen pixels long,
    // the 1318 × 788 image fitted to the canvas; the scale bar agrees.
    const measured = /\nLength: (\d+(?:\.\d)?) mm \(estimated at the patient\)$/.exec(text);
    check(measured, `the findings after inserting the measurement: ${JSON.stringify(text)}`);
    const mmPerScreenPixel = (0.085 / 1.0433386837881) * Math.max(1318 / box.width, 788 / box.height);
    const expected = 120 * mmPerScreenPixel;
    check(measured && Math.abs(Number(measured[1]) - expected) / expected < 0.05,
      `the length is ${measured?.[1]} mm; 120 screen pixels are ${expected.toFixed(1)} mm`);
    const bar = await page.evaluate(() => {
      const el = document.querySelector('[data-testid=scale-bar]');
      return el && { label: el.querySelector('span').textContent, width: el.querySelector('div').getBoundingClientRect().width };
    });
    const [, barValue, barUnit] = /([\d.]+) (mm|cm)/.exec(bar?.label ?? '') ?? [];
    const barMmPerPixel = (Number(barValue) * (barUnit === 'cm' ? 10 : 1)) / (bar?.width ?? 1);
    check(bar && Math.abs(barMmPerPixel - mmPerScreenPixel) / mmPerScreenPixel < 0.03,
      `scale bar ${bar?.label} over ${bar?.width} px; the image has ${mmPerScreenPixel.toFixed(3)} mm per screen pixel`);
    // A normal-text macro from the menu beside the section, at its end.
    await page.click('[data-testid=macros-findings]');
    await page.getByRole('menuitem', { name: 'Benign calcifications', exact: true }).click();
    check((await findings.inputValue()).endsWith('\nScattered benign-appearing vascular and dystrophic calcifications.'),
      `the findings after the macro: ${JSON.stringify(await findings.inputValue())}`);
    // The image shown, in the window it is shown in, among the key images with one action; a
    // caption says what it shows. The same image twice is once. One the archive cannot draw (it
    // was deleted meanwhile) says so in its place.
    const keyImage = page.locator('[data-testid=key-image]');
    await page.route('**/frames/*/rendered?*', (route) => route.fulfill({ status: 404 }));
    await page.click('[data-testid=add-key-image]');
    await keyImage.getByRole('img', { name: 'Key image 1: No longer in the archive: remove it' }).waitFor();
    await page.unroute('**/frames/*/rendered?*');
    await keyImage.getByRole('button', { name: 'Remove key image 1' }).click();
    await keyImage.waitFor({ state: 'detached' });
    await page.click('[data-testid=add-key-image]');
    await keyImage.waitFor();
    await page.waitForFunction(() => {
      const img = document.querySelector('[data-testid=key-image] img');
      return img?.complete && img.naturalWidth > 0;
    }, null, { timeout: 10000 }).catch(() => check(false, 'the key image is not drawn'));
    await keyImage.getByRole('textbox').fill('Spiculated mass, left breast');
    await page.click('[data-testid=add-key-image]');
    const twice = await page.textContent('[data-testid=key-image-refused]');
    check(/already/.test(twice ?? '') && await keyImage.count() === 1, `the same image added twice: ${twice}`);
    await shot(page, 'report-key-image');
    // A text the server refuses (a section over 100,000 characters) is not saved, and says so; once
    // corrected it is saved again without reloading.
    const written = await findings.inputValue();
    await findings.fill(`${written}\n${'x'.repeat(100_001)}`);
    await page.waitForSelector('[data-testid=save-refused]', { timeout: 15000 });
    await findings.fill(written);
    await page.waitForSelector('[data-testid=save-state][data-state=saved]', { timeout: 15000 });
    check(await page.locator('[data-testid=save-refused]').count() === 0, 'the refusal is still shown after the correction');
    // Wrong side, and no BI-RADS assessment yet: the signature waits. The procedure names no
    // side; the image is of the left breast (Image Laterality L), the impression says right.
    const impression = page.locator('textarea[data-section=impression]');
    await impression.fill('Suspicious mass in the right breast.');
    await page.click('[data-testid=sign]');
    const warned = page.locator('[data-testid=sign-warned]');
    await warned.waitFor();
    const warning = await warned.textContent();
    check(/The Impression section names the right side; this exam is of the left side\./.test(warning ?? ''),
      `the signing dialog warns: ${warning}`);
    // Whose exam is signed, said where the signature is given.
    const subject = await page.textContent('[data-testid=sign-subject]');
    check(/^Ferrer i Vidal, Montserrat, MRN \d+: Screening mammography, accession \d+$/.test(subject ?? ''),
      `the signing dialog names: ${subject}`);
    const blocked = await page.textContent('[data-testid=sign-blocked]');
    check(/BI-RADS assessment/.test(blocked ?? ''), `the signing dialog blocks: ${blocked}`);
    await page.fill('[data-testid=reauthentication]', '123456');
    await page.getByRole('checkbox', { name: 'I have checked this: sign as it is' }).check({ force: true });
    check(await page.locator('[data-testid=confirm-sign]').isDisabled(), 'Sign is enabled with a blocking check');
    await checkAccessible(page, check, 'the signing dialog with its checks');
    await shot(page, 'report-sign-checks');
    await page.getByRole('button', { name: 'Cancel', exact: true }).click();
    await page.waitForSelector('[data-testid=sign-dialog]', { state: 'detached' });
    check(await page.locator('[data-testid=report-editor][data-status=draft]').count() === 1, 'the blocked signature changed the report');
    await impression.fill('Suspicious mass in the left breast.');

    // A BI-RADS 4 finding: a required field left out is named; once given, it shows as the report
    // will print it, with the management its category implies.
    await page.click('[data-testid=add-finding]');
    const form = page.locator('[data-testid=new-finding]');
    await choose(page, form, 'Classification', 'Breast imaging (ACR BI-RADS)');
    await page.click('[data-testid=add-finding-confirm]');
    await form.locator('.field-error:has-text("Required")').first().waitFor();
    await choose(page, form, 'Assessment', '4: Suspicious');
    await choose(page, form, 'Side', 'left');
    await choose(page, form, 'Location', '2 o\'clock');
    await choose(page, form, 'Finding', 'mass');
    await choose(page, form, 'Shape', 'irregular');
    await choose(page, form, 'Margin', 'spiculated');
    await form.getByLabel('Size (mm)').fill('12');
    await page.click('[data-testid=add-finding-confirm]');
    await form.waitFor({ state: 'detached' });
    const line = await page.locator('[data-testid=coded-finding]').first().textContent();
    check(/BI-RADS 4: Suspicious/.test(line ?? '') && /Side: left/.test(line ?? '') && /Size: 12 mm/.test(line ?? '') &&
      /Tissue diagnosis/.test(line ?? ''), `the structured finding reads: ${line}`);
    // A critical result: flagged, it is listed as not yet communicated on the colleague's reading
    // worklist at once; recorded as told to the referrer by phone, the loop closes everywhere.
    await page.click('[data-testid=flag-critical]');
    const flagForm = page.locator('[data-testid=flag-form]');
    await choose(page, flagForm, 'Critical finding', 'Unexpected malignancy');
    await flagForm.getByLabel('Note').fill('Spiculated mass, left breast');
    await page.click('[data-testid=flag-confirm]');
    await page.waitForSelector('[data-testid=critical-result][data-status=open]');
    await colleague.page.waitForSelector('[data-testid=open-critical]:has-text("Unexpected malignancy")', { timeout: 5000 })
      .catch(() => check(false, 'the colleague\'s worklist does not list the open critical result'));
    const told = page.locator('[data-testid=communication-form]');
    await told.getByLabel('Communicated to').fill('Dr. Elena Serra, referring physician');
    await choose(page, told, 'How', 'by phone');
    await page.click('[data-testid=record-communication]');
    await page.waitForSelector('[data-testid=critical-result][data-status=communicated]');
    const closed = await page.textContent('[data-testid=critical-result]');
    check(/Communicated to Dr\. Elena Serra, referring physician \(by phone\)/.test(closed ?? ''), `the loop closed: ${closed}`);
    await colleague.page.waitForSelector('[data-testid=open-critical]', { state: 'detached', timeout: 5000 })
      .catch(() => check(false, 'the colleague\'s worklist still lists the communicated result'));
    await page.waitForSelector('[data-testid=save-state][data-state=saved]');
    await checkAccessible(page, check, 'the report beside the images');
    await shot(page, 'report-editor');

    // A wrong code signs nothing; the authenticator's code signs. The text now passes its checks.
    await page.click('[data-testid=sign]');
    await page.waitForSelector('[data-testid=sign-dialog] .hint[role=status]', { state: 'detached' });
    check(await page.locator('[data-testid=sign-warned], [data-testid=sign-blocked]').count() === 0,
      'the corrected report still has checks at signing');
    await page.fill('[data-testid=reauthentication]', '000000');
    await page.click('[data-testid=confirm-sign]');
    await page.waitForSelector('[data-testid=sign-problem]:has-text("not right")');
    check(await page.locator('[data-testid=report-editor][data-status=draft]').count() === 1, 'a wrong code changed the report');
    await checkAccessible(page, check, 'the signing dialog');
    await page.fill('[data-testid=reauthentication]', await freshCode());
    await page.click('[data-testid=confirm-sign]');
    await page.waitForSelector('[data-testid=report-editor][data-status=final]');
    await page.waitForSelector('[data-testid=sign-dialog]', { state: 'detached' });
    await page.click('li[data-kind=final] [data-testid=verify]');
    await page.waitForSelector('li[data-kind=final] [data-testid=verified]:has-text("Signature valid")');
    const pdf = await page.getAttribute('li[data-kind=final] [data-testid=signed-pdf]', 'href');
    console.log(`signed PDF: ${pdf}`);
    // A BI-RADS 4 is a sensitive result: held by the clinic's rule (72 hours here) so that the
    // referrer tells the patient first; the radiologist, having spoken to them, releases it now.
    const held = page.locator('li[data-kind=final] [data-testid=release-state][data-state=held]');
    await held.waitFor();
    check(/Held until .*a sensitive result/.test(await held.textContent() ?? ''), `the release: ${await held.textContent()}`);
    await shot(page, 'report-signed');
    await page.click('li[data-kind=final] [data-testid=release-now]');
    await page.click('li[data-kind=final] [data-testid=confirm-release]');
    const released = page.locator('li[data-kind=final] [data-testid=release-state][data-state=released]');
    await released.waitFor();
    check(/Released to the referring physician and the patient/.test(await released.textContent() ?? ''),
      `after Release now: ${await released.textContent()}`);
    // Released, the patient's plain-language letter can be printed.
    const letter = await page.getAttribute('li[data-kind=final] [data-testid=patient-letter]', 'href');
    const answer = await page.request.get(`${BASE}${letter}`);
    check(answer.status() === 200 && answer.headers()['content-type'] === 'application/pdf',
      `the patient letter: ${answer.status()} ${answer.headers()['content-type']}`);

    // An addendum, signed with the next code: the first version stays.
    await page.locator('textarea[data-section=addendum]').fill('Compared with the prior study: unchanged.');
    await page.waitForSelector('[data-testid=save-state][data-state=saved]');
    await page.click('[data-testid=sign]');
    await page.fill('[data-testid=reauthentication]', await freshCode());
    await page.click('[data-testid=confirm-sign]');
    await page.waitForSelector('[data-testid=report-editor][data-status=amended]');
    check(await page.locator('li[data-kind=final]').count() === 1 && await page.locator('li[data-kind=addendum]').count() === 1,
      'the versions after the addendum');
    await checkAccessible(page, check, 'the amended report');
    await shot(page, 'report-amended');
    await colleague.page.waitForSelector(`${row}`, { state: 'detached', timeout: 5000 }).catch(() =>
      check(false, 'the signed exam is still on the colleague\'s list'));

    // Peer review: the clinic reviews every report here; the signed mammogram is offered to her
    // colleague, who scores it beside the images.
    await colleague.page.reload();
    const offers = colleague.page.locator('[data-testid=peer-offers]');
    await offers.waitFor({ timeout: 10000 }).catch(() => check(false, 'the colleague is offered no report to review'));
    check(/signed by Dra\. Marta Puig/.test(await offers.textContent() ?? ''), `the offer: ${await offers.textContent()}`);
    await offers.getByRole('link').first().click();
    const review = colleague.page.locator('[data-testid=peer-review]');
    await review.waitFor();
    await firstImageDrawn(colleague.page);
    await review.getByRole('radio', { name: /^2a:/ }).check({ force: true });
    check(await colleague.page.locator('[data-testid=peer-submit]').isDisabled(), 'a discrepancy is recorded without a word');
    await review.getByLabel(/What you found/).fill('Grouped calcifications, lower inner quadrant of the left breast, not described.');
    await checkAccessible(colleague.page, check, 'the peer review beside the images');
    await shot(colleague.page, 'peer-review');
    await colleague.page.click('[data-testid=peer-submit]');
    await colleague.page.waitForSelector('[data-testid=peer-recorded]:has-text("2a")');

    // The quality programme's page, for the administrator: the colleague's score, per radiologist.
    const admin = await launch();
    try {
      await signIn(admin.page, BASE, env('VIREO_ADMIN_USER'), env('VIREO_ADMIN_PASSWORD'));
      await admin.page.click('nav >> text=Administration');
      await admin.page.getByRole('button', { name: 'Peer review', exact: true }).click();
      await admin.page.waitForSelector('h1:text-is("Peer review results")');
      const results = await admin.page.locator('[data-testid=peer-results] tr[data-reader=marta]').textContent();
      // Radiologist, reviewed, 1, 2a, 2b, 3a, 3b, likely significant.
      check(/^Dra\. Marta Puig\s*1\s*0\s*1\s*0\s*0\s*0\s*0$/.test(results ?? ''), `the peer review results: ${results}`);
      await checkAccessible(admin.page, check, 'the peer review results');
      await shot(admin.page, 'peer-review-results');
    } finally {
      await admin.close();
    }

    // The reading room's turnaround: the mammogram signed, by its radiologist and modality.
    await page.getByRole('button', { name: '← Worklist' }).click();
    await page.waitForSelector('h1:text-is("Reading worklist")');
    await page.click('nav >> text=Turnaround');
    await page.waitForSelector('h1:text-is("Report turnaround")');
    await page.waitForSelector('[data-testid=turnaround-summary]');
    check(await page.textContent('[data-testid=reports]') === '1', 'the turnaround counts one report signed');
    const mg = await page.textContent('[data-testid=by-modality] tr[data-key=MG]');
    check(/MG\s*1/.test(mg ?? ''), `by modality: ${mg}`);
    const marta = await page.textContent('[data-testid=by-radiologist] tr[data-key="Dra. Marta Puig"]');
    check(/Dra\. Marta Puig\s*1/.test(marta ?? ''), `by radiologist: ${marta}`);
    await page.waitForSelector('[data-testid=by-modality] svg.recharts-surface');
    await checkAccessible(page, check, 'the turnaround');
    await shot(page, 'reporting-turnaround');
  } finally {
    await colleague.close();
  }
}, async (page) => SHOTS && page.screenshot({ path: join(SHOTS, 'reporting-failure.png') }));
