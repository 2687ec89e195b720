// Shared by the end-to-end tests and the viewer benchmark: Debian's Chromium through
// playwright-core with a fresh profile, signing in (setting up TOTP when the role needs it),
// and running a script's steps to one verdict.
import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

// RFC 6238 with the defaults every authenticator app uses (SHA-1, 30 s, 6 digits).
export function totp(base32, now = Date.now()) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const c of base32.replace(/=+$/, '').toUpperCase()) bits += alphabet.indexOf(c).toString(2).padStart(5, '0');
  const key = Buffer.from(bits.match(/.{8}/g).map((b) => parseInt(b, 2)));
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(now / 30000)));
  const h = createHmac('sha1', key).update(counter).digest();
  const o = h[h.length - 1] & 15;
  return String((h.readUInt32BE(o) & 0x7fffffff) % 1000000).padStart(6, '0');
}

export async function launch(extraArgs = []) {
  const profile = mkdtempSync(join(tmpdir(), 'vireo-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    ignoreHTTPSErrors: true, // the server's self-signed certificate
    viewport: { width: 1280, height: 800 },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync', ...extraArgs],
  });
  const page = context.pages()[0] ?? (await context.newPage());
  page.setDefaultTimeout(20000);
  return {
    context,
    page,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

// Signs out from the header, and waits for the sign-in form: navigating sooner would cancel the
// sign-out's request and find the session still open.
export async function signOut(page) {
  await page.click('button:text-is("Sign out")');
  await page.waitForSelector('input[name=username]');
}

// The sign-in form filled and sent (a role without a second factor is then signed in).
export async function passwordSignIn(page, base, user, password, code = '') {
  await page.goto(`${base}/`);
  await page.fill('input[name=username]', user);
  await page.fill('input[name=password]', password);
  if (code) await page.fill('input[name=totp]', code);
  await page.click('button[type=submit]');
}

// Signs in on the page at `base`; sets up the second factor on the first sign-in of a role
// that needs one. Returns the TOTP secret (to sign in again).
export async function signIn(page, base, user, password, secret = null) {
  await passwordSignIn(page, base, user, password, secret ? totp(secret) : '');
  if (secret) return secret;
  await page.click('text=Set up an authenticator');
  const key = (await page.textContent('.secret')).trim();
  await page.fill('input[name=code]', totp(key));
  await page.click('button[type=submit]');
  await page.waitForSelector('text=Recovery codes');
  await page.click('text=I have saved them');
  return key;
}

// Resolves, with the page's clock (ms since its navigation started), when the first
// viewport's canvas shows something. Checked every frame on a 64×64
// copy (reading back the whole canvas costs ≈16 ms a frame on these machines), by a plain
// evaluation: page.waitForFunction would first compile Playwright's injected script in the
// page (≈60 ms) while the viewer is being timed.
export function firstImageDrawn(page, timeout = 20000) {
  return page.evaluate((ms) => new Promise((resolve, reject) => {
    const until = performance.now() + ms;
    const probe = document.createElement('canvas').getContext('2d', { willReadFrequently: true });
    const check = () => {
      const c = document.querySelector('.viewport .element canvas');
      if (c && c.width && c.height) {
        probe.canvas.width = 64;
        probe.canvas.height = 64;
        probe.drawImage(c, 0, 0, 64, 64);
        const d = probe.getImageData(0, 0, 64, 64).data;
        for (let i = 0; i < d.length; i += 4) if (d[i] > 8) return resolve(performance.now());
      }
      if (performance.now() > until) return reject(new Error(`no image on the canvas within ${ms} ms`));
      requestAnimationFrame(check);
    };
    check();
  }), timeout);
}

// A length drawn with the viewer's Length tool, dragged from one point of the page to another.
export async function drawLength(page, [x1, y1], [x2, y2], steps = 6) {
  await page.click('button:text-is("Length")');
  await page.mouse.move(x1, y1);
  await page.mouse.down();
  await page.mouse.move(x2, y2, { steps });
  await page.mouse.up();
}

// Types a date into a segmented date field in whatever order the locale puts day, month, year.
export async function fillDate(page, label, iso) {
  const [year, month, day] = iso.split('-');
  const group = page.locator('.field').filter({ has: page.locator('[data-type=year]') }).filter({ hasText: label });
  for (const segment of await group.locator('[data-type]:not([data-type=literal])').all()) {
    const type = await segment.getAttribute('data-type');
    await segment.click();
    await page.keyboard.type({ day, month, year }[type]);
  }
}

// A required setting of an end-to-end script.
export function env(name) {
  const v = process.env[name];
  if (!v) throw new Error(`set ${name}`);
  return v;
}

// Runs a script's steps in a fresh browser: `check(ok, message)` records a failure and goes on,
// an exception ends the steps; page errors are failures too. Exits 1 with every failure
// printed, or prints "<label>: ok". `onFailure` runs while the page is still open.
export async function run(label, steps, onFailure = async () => undefined) {
  const failures = [];
  const check = (ok, message) => ok || failures.push(message);
  const browser = await launch();
  browser.page.on('pageerror', (e) => failures.push(`page error: ${e.message}`));
  try {
    await steps({ ...browser, check, failures });
  } catch (e) {
    failures.push(e.stack ?? String(e));
    await onFailure(browser.page, failures).catch(() => undefined);
  } finally {
    await browser.close();
  }
  if (failures.length) {
    console.log(failures.join('\n'));
    process.exit(1);
  }
  console.log(`${label}: ok`);
}

// axe-core's verdict on the page as it stands (WCAG 2.1 A and AA rules): one failure per
// violation, naming the rule and the first element it found.
export async function axeViolations(page) {
  // Evaluated through the DevTools protocol: the application's CSP forbids added scripts.
  if (!(await page.evaluate(() => 'axe' in window))) {
    const { createRequire } = await import('node:module');
    const { readFileSync } = await import('node:fs');
    await page.evaluate(readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8'));
  }
  const result = await page.evaluate(() => window.axe.run(document, { runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] }));
  return result.violations.map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes[0]?.target?.join(' ') ?? ''}`);
}

// Records every axe-core violation of the page as it stands as a failure of `what`.
export async function checkAccessible(page, check, what) {
  const v = await axeViolations(page);
  check(v.length === 0, `${what} is not accessible:\n  ${v.join('\n  ')}`);
}
