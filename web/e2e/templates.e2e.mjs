// End-to-end: the administrator imports report templates from IHE MRRT files and edits one; a
// radiologist then writes a report from it. A file that embeds a template not yet imported is
// refused with the reason; the component it embeds is imported, then it. The RSNA-style cardiac
// template is imported for CT, renamed, and its unticked normal gets a shortcut. The
// radiologist picks it for a CT: its blanks are under their sections, a number and a menu fill
// theirs (Enter fills the number), Alt+1 inserts the normal, and signing is refused while a blank
// is left in the text: the impression's, which the template requires, and one it does not.
// Every page is checked with axe-core.
//
// Environment: VIREO_URL, VIREO_USER and VIREO_PASSWORD (an administrator), VIREO_READER and
// VIREO_READER_PASSWORD (a radiologist), VIREO_ORDER (a CT exam acquired, waiting to be read),
// VIREO_MRRT (the folder of the MRRT files), VIREO_SCREENSHOTS.
import { join } from 'node:path';
import { checkAccessible, env, launch, run, signIn } from './session.mjs';

const BASE = env('VIREO_URL');
const SHOTS = process.env.VIREO_SCREENSHOTS;
const MRRT = env('VIREO_MRRT');
const shot = async (page, name) => SHOTS && page.screenshot({ path: join(SHOTS, `${name}.png`) });

async function importFile(page, file, { code = '', modality = '' } = {}) {
  await page.click('[data-testid=import-mrrt]');
  const dialog = page.locator('[data-testid=import-dialog]');
  await dialog.waitFor();
  const [chooser] = await Promise.all([page.waitForEvent('filechooser'), dialog.locator('[data-testid=choose-mrrt]').click()]);
  await chooser.setFiles(join(MRRT, file));
  await dialog.getByText(file).waitFor();
  if (code) await dialog.getByLabel('Code (optional)').fill(code);
  if (modality) await dialog.getByRole('checkbox', { name: modality, exact: true }).check({ force: true });
  await dialog.getByRole('button', { name: 'Import', exact: true }).click();
  return dialog;
}

await run('templates end-to-end', async ({ page, check }) => {
  await page.setViewportSize({ width: 1600, height: 1000 });
  await signIn(page, BASE, env('VIREO_USER'), env('VIREO_PASSWORD'));
  await page.click('nav >> text=Administration');
  await page.getByRole('button', { name: 'Report templates', exact: true }).click();
  await page.waitForSelector('h1:text-is("Report templates")');
  await page.waitForSelector('[data-testid=templates] tr[data-code=VIR-MG-BREAST]');

  // Embedding a component Vireo does not have yet: refused, saying why; nothing added.
  let dialog = await importFile(page, 'ecografia_tiroide_ca.html');
  const refused = await dialog.locator('[data-testid=import-problem]').textContent();
  check(/needs correcting: No template has the code urn:oid:2\.25\.3141/.test(refused ?? ''), `the refusal says: ${refused}`);
  await checkAccessible(page, check, 'the import refused');
  await dialog.getByRole('button', { name: 'Cancel', exact: true }).click();
  await dialog.waitFor({ state: 'detached' });
  for (const [file, code] of [['nodul_tiroide_ca.html', 'CA-NODUL'], ['ecografia_tiroide_ca.html', 'CA-TIROIDE']]) {
    dialog = await importFile(page, file, { code });
    await dialog.waitFor({ state: 'detached' });
    await page.waitForSelector(`[data-testid=templates] tr[data-code=${code}]`);
  }
  const component = await page.textContent('[data-testid=templates] tr[data-code=CA-NODUL]');
  check(/Nòdul tiroïdal\s*Subplantilla|Nòdul tiroïdal\s*Component/.test(component ?? ''), `the component's row: ${component}`);

  // The cardiac template, for CT, renamed, its normal given a shortcut.
  dialog = await importFile(page, 'cardiac_mr.html', { code: 'CLINIC-CARDIAC', modality: 'CT' });
  await dialog.waitFor({ state: 'detached' });
  await page.getByRole('button', { name: 'Edit Cardiac MRI: function', exact: true }).click();
  const form = page.locator('[data-testid=template-form]');
  await form.waitFor();
  await form.getByLabel('Name', { exact: true }).fill('Cardiac CT: function');
  const macro = form.locator('[data-testid=template-macro-0]');
  await macro.getByRole('button', { name: /Shortcut/ }).click();
  await page.getByRole('option', { name: 'Alt+1', exact: true }).click();
  const blank = form.locator('[data-testid=template-blank-1]');
  check(await blank.getByLabel('Blank').inputValue() === 'Ejection fraction', 'the second blank is the ejection fraction');
  check(/Required to sign/.test(await blank.textContent() ?? ''), 'the ejection fraction is required to sign');
  await checkAccessible(page, check, 'the template form');
  await shot(page, 'report-template-form');
  await form.getByRole('button', { name: 'Save', exact: true }).click();
  await form.waitFor({ state: 'detached' });
  const row = await page.textContent('[data-testid=templates] tr[data-code=CLINIC-CARDIAC]');
  check(/Cardiac CT: function\s*CLINIC-CARDIAC\s*CT\s*English\s*This clinic\s*In use/.test(row ?? ''), `the template's row: ${row}`);
  await checkAccessible(page, check, 'the report templates');
  await shot(page, 'report-templates');

  // The radiologist writes from it.
  const reader = await launch();
  reader.page.on('pageerror', (e) => check(false, `reader page error: ${e.message}`));
  try {
    const p = reader.page;
    await p.setViewportSize({ width: 1920, height: 1080 });
    await signIn(p, BASE, env('VIREO_READER'), env('VIREO_READER_PASSWORD'));
    // Opening the exam claims it: she is its reader.
    await p.goto(`${BASE}/reading/${env('VIREO_ORDER')}`);
    await p.waitForSelector('[data-testid=report-editor] textarea[data-section=findings]');
    await p.getByRole('button', { name: /Template/ }).first().click();
    await p.getByRole('option', { name: 'Cardiac CT: function', exact: true }).click();
    const findings = p.locator('textarea[data-section=findings]');
    await p.waitForFunction(() => document.querySelector('textarea[data-section=findings]')?.value.includes('[[Ejection fraction]]'));
    const blanks = p.locator('[data-testid=blanks-findings]');
    await blanks.getByRole('group').first().waitFor().catch(() => undefined);
    await blanks.getByLabel('Ejection fraction (%)').fill('58');
    await blanks.getByLabel('Ejection fraction (%)').press('Enter');
    await p.waitForFunction(() => document.querySelector('textarea[data-section=findings]')?.value.includes('Ejection fraction: 58 %'));
    await blanks.getByRole('button', { name: /Wall motion/ }).click();
    await p.getByRole('option', { name: 'Regional hypokinesia', exact: true }).click();
    await findings.focus();
    await p.keyboard.press('Alt+Digit1');
    const text = await findings.inputValue();
    check(text.includes('Ejection fraction: 58 %') && text.includes('Wall motion: Regional hypokinesia'),
      `the findings with their blanks filled: ${JSON.stringify(text)}`);
    check(text.endsWith('\nSmall pericardial effusion.'), `Alt+1 inserts the normal: ${JSON.stringify(text)}`);
    check(text.includes('[[End diastolic volume]]'), 'the blank left is still in the text');
    await checkAccessible(p, check, 'the report with its blanks');
    await shot(p, 'report-blanks');
    await p.click('[data-testid=sign]');
    const blocked = await p.locator('[data-testid=sign-blocked]').textContent();
    check(/The Impression section still has the blank “Impression”, which the template requires/.test(blocked ?? ''),
      `signing is refused: ${blocked}`);
    check(/still has the blank “End diastolic volume”: fill it in, or delete it if it does not apply/.test(blocked ?? ''),
      `a blank not required is still never signed: ${blocked}`);
    await checkAccessible(p, check, 'the signing dialog with the blanks left');
    await p.getByRole('button', { name: 'Cancel', exact: true }).click();
  } catch (e) {
    await shot(reader.page, 'templates-reader-failure').catch(() => undefined);
    throw e;
  } finally {
    await reader.close();
  }
}, async (page) => SHOTS && page.screenshot({ path: join(SHOTS, 'templates-failure.png') }));
