// End-to-end: an administrator looks after integrations, DICOM peers and the archive's health in
// Chromium. An OAuth client and a token are made (their secrets printed for the test to use);
// the token is revoked; each configured peer is tested with a C-ECHO (one answers, one is off);
// the status page counts what is stored, names the refused instance with its reason, and the
// follow-up work that was given up, which is tried again from the page. Every page is checked
// with axe-core.
//
// Environment: VIREO_URL, VIREO_USER, VIREO_PASSWORD (an admin; the first sign-in sets up the
// authenticator), VIREO_READER (an account the client and token act as), VIREO_PEER_UP and
// VIREO_PEER_DOWN (AE titles of a peer that answers and of one that does not), VIREO_SCREENSHOTS.
import { join } from 'node:path';
import { checkAccessible, env, run, signIn } from './session.mjs';

const BASE = env('VIREO_URL');
const SHOTS = process.env.VIREO_SCREENSHOTS;
const READER = env('VIREO_READER');

await run('admin-system end-to-end', async ({ page, check }) => {
  const accessible = (what) => checkAccessible(page, check, what);
  await signIn(page, BASE, env('VIREO_USER'), env('VIREO_PASSWORD'));
  await page.click('header a:text-is("Administration")');
  await page.waitForSelector('form[aria-label="New account"]');
  await accessible('the accounts page');

  // An OAuth client for an integration, acting as the reader, limited to reading.
  await page.click('nav[aria-label=Administration] button:text-is("Tokens and integrations")');
  const client = page.locator('form[aria-label="New OAuth client"]');
  await client.waitFor();
  await client.locator('select').selectOption(READER);
  await client.locator('input[name=client-name]').fill('RIS bridge');
  await client.locator('label:has-text("Find and read studies") input').check();
  await client.locator('button:text-is("Create client")').click();
  await page.waitForSelector('[data-testid=shown-secret]');
  const [clientId, clientSecret] = await page.$$eval('[data-testid=shown-secret]', (els) => els.map((e) => e.textContent.trim()));
  check(/^vireo-client-/.test(clientId) && clientSecret.length > 20, `client: ${clientId}`);
  const clientRow = page.locator('tr[data-client="RIS bridge"]');
  check((await clientRow.locator('td:nth-child(4)').textContent()) === 'Find and read studies',
    `the client may: ${await clientRow.locator('td:nth-child(4)').textContent()}`);
  console.log(`client ${clientId} secret ${clientSecret}`);

  // A personal token for a nightly script, for 30 days; then revoked.
  const token = page.locator('form[aria-label="New token"]');
  await token.locator('select').selectOption(READER);
  await token.locator('input[name=token-name]').fill('Nightly export');
  await token.locator('input[name=token-days]').fill('30');
  await token.locator('button:text-is("Create token")').click();
  await page.waitForFunction(() => document.querySelector('[data-testid=admin-message]')?.textContent.includes('Nightly export'));
  const secret = (await page.textContent('[data-testid=shown-secret]')).trim();
  check(/^vireo_/.test(secret), `token: ${secret}`);
  console.log(`token ${secret}`);
  const tokenRow = page.locator('tr[data-token="Nightly export"]');
  check((await tokenRow.locator('[data-testid=state]').textContent()) === 'Active', 'the new token is not active');
  if (SHOTS) await page.screenshot({ path: join(SHOTS, 'admin-tokens.png'), fullPage: true });
  await accessible('the tokens page');
  await tokenRow.locator('button:text-is("Revoke")').click();
  await page.waitForFunction(() => document.querySelector('tr[data-token="Nightly export"] [data-testid=state]')?.textContent === 'Revoked');
  console.log('token revoked');

  // DICOM peers: what to set on a modality, and an echo to each peer.
  await page.click('nav[aria-label=Administration] button:text-is("DICOM peers")');
  await page.waitForSelector('[data-testid=our-side]');
  const ours = await page.textContent('[data-testid=our-side]');
  check(ours.includes('VIREO'), `our side: ${ours}`);
  const result = (aet) => page.locator(`tr[data-peer="${aet}"] [data-testid=echo-result]`);
  for (const aet of [env('VIREO_PEER_UP'), env('VIREO_PEER_DOWN')]) {
    await page.click(`tr[data-peer="${aet}"] button`);
    await page.waitForFunction((a) => /^(Answered|No:)/.test(document.querySelector(`tr[data-peer="${a}"] [data-testid=echo-result]`)?.textContent ?? ''),
      aet, { timeout: 20000 });
  }
  const up = await result(env('VIREO_PEER_UP')).textContent();
  const down = await result(env('VIREO_PEER_DOWN')).textContent();
  check(/^Answered in \d+ ms$/.test(up), `the peer that is up: ${up}`);
  check(/^No: /.test(down), `the peer that is down: ${down}`);
  console.log(`echo: ${up}; ${down}`);
  if (SHOTS) await page.screenshot({ path: join(SHOTS, 'admin-peers.png'), fullPage: true });
  await accessible('the DICOM peers page');

  // System status: what is stored, the room left, and the refused instance with its reason.
  await page.click('nav[aria-label=Administration] button:text-is("System status")');
  await page.waitForSelector('[data-testid=counts]');
  const counts = await page.textContent('[data-testid=counts]');
  const rejected = await page.$$eval('[data-testid=rejections] tbody tr', (trs) => trs.map((tr) => tr.innerText));
  check(rejected.some((r) => r.includes('stow:') && /not|cannot|invalid/i.test(r)), `refusals: ${rejected}`);
  console.log(`status: ${counts.replace(/\s+/g, ' ')}; ${rejected.length} refused`);
  const failures = page.locator('[data-testid=event-failures] tbody tr');
  const failure = await failures.first().innerText();
  check(/A study was deleted/.test(failure) && /measurements and annotations/.test(failure) && /disk I\/O error/.test(failure),
    `the failed follow-up work: ${failure}`);
  if (SHOTS) await page.screenshot({ path: join(SHOTS, 'admin-status.png'), fullPage: true });
  await accessible('the status page');
  await page.click('[data-testid=event-failures] button:text-is("Try again")');
  await page.waitForSelector('[data-testid=event-failures] tbody tr:has-text("None.")');
  console.log('failed follow-up work tried again');

  // An address under /admin that is no page is not found.
  await page.goto(`${BASE}/admin/nothing-here`);
  await page.waitForSelector('[data-testid=not-found]');
});
