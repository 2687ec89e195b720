// End-to-end: a radiologist brings her own signing certificate on her account page. A file from
// an authority the clinic does not trust is refused, saying so; a wrong password of hers changes
// nothing; her professional association's PKCS#12 file, with its password and her code, becomes
// the certificate her reports are signed with (test_reporting signs with one through the API);
// she can go back to the clinic's; and she chooses her key on the clinic's security module instead
// (its certificates in her name listed, those that may not sign saying why). Checked with axe-core.
//
// Environment: VIREO_URL, VIREO_USER and VIREO_PASSWORD (a radiologist signing in for the first
// time), VIREO_CERTIFICATES (the folder tests/fixtures/certificates/make_p12.sh made),
// VIREO_SCREENSHOTS.
import { join } from 'node:path';
import { checkAccessible, env, run, signIn, totp } from './session.mjs';

const BASE = env('VIREO_URL');
const SHOTS = process.env.VIREO_SCREENSHOTS;
const FILES = env('VIREO_CERTIFICATES');

async function offer(page, file, password, secret) {
  const card = page.locator('[data-testid=signing-certificate]');
  const [chooser] = await Promise.all([page.waitForEvent('filechooser'), card.locator('[data-testid=choose-p12]').click()]);
  await chooser.setFiles(join(FILES, file));
  await card.getByText(file).waitFor();
  await card.locator('[data-testid=p12-password]').fill(password);
  await card.locator('[data-testid=certificate-reauthentication]').fill(secret);
  await card.locator('[data-testid=use-certificate]').click();
}

await run('certificate end-to-end', async ({ page, check }) => {
  await page.setViewportSize({ width: 1280, height: 1000 });
  const key = await signIn(page, BASE, env('VIREO_USER'), env('VIREO_PASSWORD'));
  await page.getByRole('button', { name: 'Account', exact: true }).click();
  const card = page.locator('[data-testid=signing-certificate]');
  await card.waitFor();
  const source = card.locator('[data-testid=certificate-source]');
  const problem = card.locator('[data-testid=certificate-problem]');
  await source.getByText("the clinic's certificate").waitFor();
  await checkAccessible(page, check, 'the account page');

  // An authority nobody here trusts: refused, saying what to do, before her code is spent.
  await offer(page, 'stranger.p12', 's3cret', totp(key));
  await problem.getByText('does not trust the authority').waitFor();
  // One her authority has revoked (its OCSP responder says so): refused too, saying so.
  await offer(page, 'ocsp-revoked.p12', 's3cret', totp(key));
  await problem.getByText('says it is revoked').waitFor();
  // A wrong code of hers: nothing changes.
  await offer(page, 'person.p12', 's3cret', '000000');
  await problem.getByText('is not right').waitFor();
  check(await source.textContent() === "the clinic's certificate", 'a wrong code changed the certificate');
  // Her association's file, its password, her code: her reports are signed with it from now on.
  // (A code works once: the one she set her authenticator up with is spent; the next one.)
  await page.waitForTimeout(30_000 - (Date.now() % 30_000) + 500);
  await offer(page, 'person.p12', 's3cret', totp(key));
  await card.locator('[data-testid=certificate-done]').waitFor();
  await source.getByText('your own certificate').waitFor();
  const subject = await card.locator('[data-testid=certificate-subject]').getAttribute('data-subject');
  const shown = await card.locator('[data-testid=certificate-subject]').textContent();
  check(/CN=Laia Ferrer i Puig/.test(subject ?? '') && shown === 'Laia Ferrer i Puig', `her certificate: ${shown} (${subject})`);
  check(await problem.count() === 0, 'a problem is still shown');
  await checkAccessible(page, check, 'the account page with her own certificate');
  if (SHOTS) await page.screenshot({ path: join(SHOTS, 'account-signing-certificate.png'), fullPage: true });
  console.log(`her own certificate: ${shown} (${subject})`);

  // And back to the clinic's, confirmed with her next code.
  check(await card.locator('[data-testid=back-to-clinic]').isDisabled(), 'going back is not confirmed by her code');
  await page.waitForTimeout(30_000 - (Date.now() % 30_000) + 500);
  await card.locator('[data-testid=certificate-reauthentication]').fill(totp(key));
  await card.locator('[data-testid=back-to-clinic]').click();
  await source.getByText("the clinic's certificate").waitFor();
  const said = await card.locator('[data-testid=certificate-done]').textContent();
  check(/stays valid/.test(said ?? ''), `back to the clinic's: ${said}`);
  console.log("back to the clinic's certificate");

  // Her key on the clinic's security module: hers are listed, those that may not sign say why.
  await card.getByText("A key on the clinic's security module", { exact: true }).click();
  const listed = card.locator('[data-testid=token-certificates]');
  await listed.waitFor();
  check(await listed.getByRole('radio').count() === 2, 'two certificates naming her exactly on the module');
  const untrusted = card.locator('[data-testid=token-certificate-03]');
  check(/does not trust the authority/.test(await untrusted.textContent() ?? ''), 'the untrusted one says why not');
  check(await untrusted.getAttribute('data-disabled') === 'true', 'the untrusted certificate can be chosen');
  await card.locator('[data-testid=token-certificate-01]').click();
  await checkAccessible(page, check, 'the account page choosing a key on the security module');
  await page.waitForTimeout(30_000 - (Date.now() % 30_000) + 500);
  await card.locator('[data-testid=certificate-reauthentication]').fill(totp(key));
  await card.locator('[data-testid=use-certificate]').click();
  await source.getByText("your key on the clinic's security module").waitFor();
  const onModule = await card.locator('[data-testid=certificate-subject]').textContent();
  if (SHOTS) await page.screenshot({ path: join(SHOTS, 'account-signing-token.png'), fullPage: true });
  console.log(`her key on the security module: ${onModule}`);
});
