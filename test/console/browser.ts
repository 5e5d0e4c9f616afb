// Shared helpers of the console's browser tests: Debian's chromium driven by playwright-core, signing
// in through the UI, the axe check, screenshots and load times (artifacts under test/artifacts/console).
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { ensureConsoleBuilt } from '@govshare/console/build';
import { expect } from 'vitest';

export const artifacts = resolve(import.meta.dirname, '../artifacts/console');
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Builds the console when its sources are newer than console/dist (a lock keeps workers from racing). */
export async function buildConsole() {
  const r = await ensureConsoleBuilt();
  if (r.built) recordTiming('build', 'console build (vite)', r.ms);
  return r;
}

export interface ConsoleBrowser {
  browser: BrowserContext;
  page: Page;
  close(): Promise<void>;
}

/** A fresh chromium with a new, empty profile; one page open. */
export async function launch(): Promise<ConsoleBrowser> {
  const profile = mkdtempSync(join(tmpdir(), 'govshare-chromium-'));
  const browser = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ARGS,
    viewport: { width: 1280, height: 900 },
    locale: 'zh-CN',
  });
  const page = browser.pages()[0] ?? (await browser.newPage());
  // The page's own errors in the test output: a failing step then says why.
  page.on('pageerror', (err) => console.error(`[browser] ${err.message}`));
  page.on('console', (m) => void (m.type() === 'error' && console.error(`[browser console] ${m.text()}`)));
  return {
    browser,
    page,
    async close() {
      await browser.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Signs in through the dev sign-in page, as a person would; resolves once the landing page is ready. */
export async function signInDev(page: Page, baseUrl: string, dept: string, role: string, sub?: string) {
  await page.goto(`${baseUrl}/console/sign-in`);
  await page.getByLabel(/部门|Department/).selectOption(dept);
  await page.getByLabel(/^(角色|Role)/).selectOption(role);
  if (sub) await page.getByLabel(/用户名|User name/).fill(sub);
  const t0 = await page.evaluate(() => performance.now());
  await page.getByRole('button', { name: /^(登录|Sign in)$/ }).click();
  await page.waitForURL((url) => !url.pathname.endsWith('/sign-in'));
  // React keeps the sign-in page shown until the next one renders (a transition): wait for a marker
  // set after the click.
  const at = await readyAfter(page, t0);
  // The landing page's first load (nothing cached yet): from the click to its data shown.
  recordTiming('load', `${new URL(page.url()).pathname} (first visit, after sign-in)`, at - t0);
}

/** Fails on axe-core violations of impact serious or critical (lesser ones are printed). */
export async function expectNoSeriousAxeViolations(page: Page) {
  const { violations } = await new AxeBuilder({ page }).analyze();
  const serious = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  const describe = (v: (typeof violations)[number]) =>
    `${v.impact} ${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join('; ')})`;
  expect(serious.map(describe)).toEqual([]);
  return violations.map(describe);
}

export async function screenshot(page: Page, name: string) {
  mkdirSync(artifacts, { recursive: true });
  const path = join(artifacts, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

function recordTiming(kind: 'load' | 'build', name: string, ms: number) {
  mkdirSync(artifacts, { recursive: true });
  const file = join(artifacts, 'load-times.json');
  let all: Record<string, { ms: number; kind: string; at: string }> = {};
  try {
    all = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    // first entry
  }
  all[name] = { ms: Math.round(ms), kind, at: new Date().toISOString() };
  writeFileSync(file, `${JSON.stringify(all, null, 2)}\n`);
}

/**
 * Opens a console page inside the running app (the token is in memory: a full reload would sign out)
 * and returns the ms from the navigation to the page's ready marker (data-ready, set when its data
 * is shown). Recorded in load-times.json, never asserted.
 */
export async function measureLoad(page: Page, path: string, name = path): Promise<number> {
  const started = await page.evaluate(async (to) => {
    // react-router's BrowserRouter follows popstate. Through a page without a marker first, so the
    // target mounts afresh even when it is the page shown now.
    const go = (path: string) => {
      history.pushState(null, '', path);
      dispatchEvent(new PopStateEvent('popstate'));
    };
    go('/console/__measure');
    await new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));
    const t0 = performance.now();
    go(`/console${to}`);
    return t0;
  }, path);
  const ms = (await readyAfter(page, started)) - started;
  recordTiming('load', name, ms);
  return ms;
}

/** Waits for a page's ready marker set at or after t0 (performance.now() in the page); returns it. */
async function readyAfter(page: Page, t0: number): Promise<number> {
  const handle = await page.waitForFunction(
    (since) => {
      const el = document.querySelector<HTMLElement>('[data-ready]');
      const at = el ? Number(el.dataset.ready) : Number.NaN;
      return at >= since ? at : false;
    },
    t0,
    { polling: 'raf' },
  );
  return Number(await handle.jsonValue());
}

/** The first page load of the app (a full navigation): ms from navigation start to the ready marker. */
export async function measureFirstLoad(page: Page, url: string, name: string): Promise<number> {
  await page.goto(url);
  const el = page.locator('[data-ready]');
  await el.waitFor();
  const ms = Number(await el.getAttribute('data-ready'));
  recordTiming('load', name, ms);
  return ms;
}

export type { Browser, Page };

/** Records a load time the test measured itself (e.g. a sign-in's round trip through a provider). */
export const recordLoad = (name: string, ms: number) => recordTiming('load', name, ms);
