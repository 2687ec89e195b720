// End-to-end: a person's own account in Chromium. The password policy's reasons appear as a new
// password is typed, the change works and the new password signs in; a password an
// administrator reset leads to nothing but choosing a new one; the authenticator key comes as
// a QR code; a failed sign-in says what to do, in the same words whether the account exists.
//
// Environment: VIREO_URL; VIREO_TECH / VIREO_TECH_PASSWORD (a technician);
// VIREO_RESET_USER / VIREO_RESET_PASSWORD (a technician whose password an administrator reset:
// the temporary one); VIREO_TOTP_USER / VIREO_TOTP_PASSWORD (a radiologist without TOTP yet);
// VIREO_SCREENSHOTS (optional).
import { join } from 'node:path';
import { checkAccessible, env, passwordSignIn, run, signOut } from './session.mjs';

const BASE = env('VIREO_URL');
const SHOTS = process.env.VIREO_SCREENSHOTS;
const NEW_PASSWORD = 'copper-heron-winter-ledger';

await run('account end-to-end', async ({ page, check }) => {
  const signIn = (user, password) => passwordSignIn(page, BASE, user, password);
  const verdict = async (text) => {
    await page.fill('input[name=new]', text);
    await page.waitForFunction(() => !['Checking…', ''].includes(document.querySelector('[data-testid=password-verdict]')?.textContent ?? ''));
    await page.waitForTimeout(400); // the last keystroke's answer
    return page.textContent('[data-testid=password-verdict]');
  };

  // A failed sign-in: one answer, whether the account exists or not.
  await signIn(env('VIREO_TECH'), 'wrong password here');
  const wrong = await page.textContent('[role=alert]');
  await signIn('nobody-here', 'wrong password here');
  const unknown = await page.textContent('[role=alert]');
  check(wrong === unknown && /locked for a while/.test(wrong), `failed sign-in: "${wrong}" / "${unknown}"`);
  console.log(`failed sign-in: "${wrong}"`);

  // The technician changes their password, with the policy's reasons as they type.
  await signIn(env('VIREO_TECH'), env('VIREO_TECH_PASSWORD'));
  await page.click('button:text-is("Account")');
  await page.waitForSelector('form[aria-label="Change your password"]');
  const short = await verdict('short');
  const named = await verdict(`${env('VIREO_TECH')}-and-more-words`);
  const good = await verdict(NEW_PASSWORD);
  check(/at least 12 characters/.test(short), `short: ${short}`);
  check(/user name/.test(named), `with the user name: ${named}`);
  check(good === 'This password is strong enough.', `good: ${good}`);
  console.log(`reasons as typed: "${short}" / "${named}" / "${good}"`);
  await page.fill('input[name=current]', env('VIREO_TECH_PASSWORD'));
  await page.fill('input[name=repeat]', NEW_PASSWORD);
  if (SHOTS) await page.screenshot({ path: join(SHOTS, 'account-password.png') });
  await checkAccessible(page, check, "the password page");
  await page.click('button:text-is("Change password")');
  await page.waitForSelector('text=Password changed');
  await page.click('button:text-is("Continue")');
  await page.waitForSelector('table.studies');
  await signOut(page);
  await signIn(env('VIREO_TECH'), NEW_PASSWORD);
  await page.waitForSelector('table.studies');
  console.log('the new password signs in');
  await signOut(page);

  // A reset password: nothing but the change, whatever the address asks for.
  await signIn(env('VIREO_RESET_USER'), env('VIREO_RESET_PASSWORD'));
  await page.waitForSelector('form[aria-label="Change your password"]');
  check((await page.textContent('h1')) === 'Choose a new password', 'not the forced change');
  await page.goto(`${BASE}/`);
  await page.waitForSelector('form[aria-label="Change your password"]');
  const blocked = await page.evaluate(async () => (await fetch('/dicom-web/studies')).status);
  check(blocked === 403, `the archive answered ${blocked} before the change`);
  await page.fill('input[name=current]', env('VIREO_RESET_PASSWORD'));
  await verdict(NEW_PASSWORD);
  await page.fill('input[name=repeat]', NEW_PASSWORD);
  await page.click('button:text-is("Change password")');
  await page.click('button:text-is("Continue")');
  await page.waitForSelector('table.studies');
  console.log('a reset password: only the change until it is made, then the study list');
  await signOut(page);

  // The authenticator key as a QR code beside the key.
  await signIn(env('VIREO_TOTP_USER'), env('VIREO_TOTP_PASSWORD'));
  await page.click('text=Set up an authenticator');
  const qr = await page.waitForSelector('img[data-testid=totp-qr]');
  const size = await qr.evaluate((img) => ({ w: img.naturalWidth, h: img.naturalHeight, key: document.querySelector('.secret')?.textContent }));
  check(size.w === 200 && size.h === 200 && /^[A-Z2-7]{16,}$/.test(size.key ?? ''), `QR: ${JSON.stringify(size)}`);
  if (SHOTS) await page.screenshot({ path: join(SHOTS, 'totp-qr.png') });
  await checkAccessible(page, check, "the authenticator set-up");
  console.log('authenticator key shown as a QR code beside the key');
});
