// End-to-end: an administrator manages accounts in Chromium. A new technician gets a temporary
// password shown once (and must change it at the first sign-in); disable and enable; a locked
// account is unlocked; roles change; the password is reset.
//
// Environment: VIREO_URL, VIREO_USER, VIREO_PASSWORD (an admin; the first sign-in sets up the
// authenticator), VIREO_LOCKED_USER (an account locked by failed sign-ins), VIREO_SCREENSHOTS.
import { join } from 'node:path';
import { env, passwordSignIn, run, signIn, signOut } from './session.mjs';

const BASE = env('VIREO_URL');
const SHOTS = process.env.VIREO_SCREENSHOTS;

await run('admin end-to-end', async ({ page, check }) => {
  await signIn(page, BASE, env('VIREO_USER'), env('VIREO_PASSWORD'));
  await page.click('header a:text-is("Administration")');
  await page.waitForSelector('form[aria-label="New account"]');
  const row = (user) => page.locator(`tr[data-user="${user}"]`);
  const stateOf = (user) => row(user).locator('[data-testid=state]').textContent();
  const message = () => page.textContent('[data-testid=admin-message]');

  // A new technician, with a temporary password shown once.
  await page.fill('input[name=new-username]', 'newtech');
  await page.fill('input[name=new-display-name]', 'New Technologist');
  await page.check('form[aria-label="New account"] label:has-text("technician") input');
  await page.click('button:text-is("Create account")');
  await page.waitForSelector('[data-testid=temporary-password]');
  const temporary = (await page.textContent('[data-testid=temporary-password]')).trim();
  check(temporary.length >= 12 && (await stateOf('newtech')) === 'Active', `created: ${temporary}, ${await stateOf('newtech')}`);
  if (SHOTS) await page.screenshot({ path: join(SHOTS, 'admin-accounts.png'), fullPage: true });
  console.log('created newtech with a temporary password');

  // Disable, enable.
  await row('newtech').locator('button:text-is("Disable")').click();
  await page.waitForFunction(() => document.querySelector('tr[data-user="newtech"] [data-testid=state]')?.textContent === 'Disabled');
  await row('newtech').locator('button:text-is("Enable")').click();
  await page.waitForFunction(() => document.querySelector('tr[data-user="newtech"] [data-testid=state]')?.textContent === 'Active');
  console.log('disabled and enabled again');

  // Roles: technician and receptionist.
  await row('newtech').locator('button:text-is("Roles…")').click();
  await row('newtech').locator('label:has-text("receptionist") input').check();
  await row('newtech').locator('button:text-is("Save roles")').click();
  await page.waitForFunction(() => document.querySelector('tr[data-user="newtech"] td:nth-child(3)')?.textContent === 'receptionist, technician'
    || document.querySelector('tr[data-user="newtech"] td:nth-child(3)')?.textContent === 'technician, receptionist');
  console.log(`roles: ${await row('newtech').locator('td:nth-child(3)').textContent()}`);

  // The locked account, unlocked.
  const locked = env('VIREO_LOCKED_USER');
  check((await stateOf(locked)) === 'Locked', `${locked}: ${await stateOf(locked)}`);
  await row(locked).locator('button:text-is("Unlock")').click();
  await page.waitForFunction((u) => document.querySelector(`tr[data-user="${u}"] [data-testid=state]`)?.textContent === 'Active', locked);
  console.log(`${locked} unlocked`);

  // The audit trail: the account made above, the locked account's failed sign-ins, the chain
  // checked, the export as FHIR.
  await page.click('button:text-is("Audit trail")');
  await page.waitForSelector('table.audit tbody tr');
  const rows = () => page.$$eval('table.audit tbody tr', (trs) => trs.map((tr) => tr.innerText));
  check((await rows()).some((r) => /boss \(admin\)\tcreate\tsuccess/.test(r)), `no account creation: ${(await rows()).slice(0, 5)}`);
  await page.fill('input[aria-label=Person]', locked);
  await page.selectOption('select[aria-label=Action]', 'login');
  await page.click('form[aria-label="Filter the audit trail"] button:text-is("Search")');
  await page.waitForFunction(() => [...document.querySelectorAll('table.audit tbody tr')].every((tr) => tr.innerText.includes('login')));
  const failures = (await rows()).filter((r) => r.includes('failure')).length;
  check(failures >= 5, `failed sign-ins of ${locked}: ${failures}`);
  await page.click('[data-testid=verify-chain]');
  await page.waitForFunction(() => /The chain holds: \d+ events/.test(document.querySelector('[data-testid=chain-result]')?.textContent ?? ''));
  const [exported] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid=audit-export]')]);
  const { readFileSync } = await import('node:fs');
  const bundle = JSON.parse(readFileSync(await exported.path(), 'utf8'));
  check(bundle.resourceType === 'Bundle' && bundle.entry?.every((e) => e.resource.resourceType === 'AuditEvent'), 'the export is not FHIR AuditEvents');
  if (SHOTS) await page.screenshot({ path: join(SHOTS, 'admin-audit.png') });
  console.log(`audit trail: ${failures} failed sign-ins of ${locked}, the chain holds, ${bundle.entry?.length} events exported as FHIR`);
  await page.click('header a:text-is("Administration")');
  await page.waitForSelector('form[aria-label="New account"]');

  // A reset password: shown once; the technician must choose a new one at sign-in.
  await row('newtech').locator('button:text-is("Reset password")').click();
  await page.waitForSelector('[data-testid=temporary-password]');
  const reset = (await page.textContent('[data-testid=temporary-password]')).trim();
  check(reset !== temporary && /reset/.test(await message()), `reset: ${await message()}`);
  await signOut(page);
  await passwordSignIn(page, BASE, 'newtech', reset);
  await page.waitForSelector('text=Choose a new password');
  console.log('the reset password leads to choosing a new one');
});
