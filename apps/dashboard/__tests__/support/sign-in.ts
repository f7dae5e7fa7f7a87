import type { Browser, BrowserContext, BrowserContextOptions } from 'playwright-core';
import type { RunningDashboard } from './server';

/**
 * A browser context signed in as the dashboard's test user through the sign-in page: the first page
 * load is sent to sign in, and comes back to where it was going.
 */
export async function signIn(browser: Browser, dashboard: RunningDashboard, options: BrowserContextOptions): Promise<BrowserContext> {
  const context = await browser.newContext(options);
  // Other suites share the machine's two cores: a page can take long to answer, never too long.
  context.setDefaultTimeout(120_000);
  const page = await context.newPage();
  await page.goto(`${dashboard.base}/?interval=hour`);
  await page.waitForURL(/\/auth\/sign-in\?next=/);
  await page.fill('#name', dashboard.access.user.name);
  await page.fill('#password', dashboard.access.user.password);
  await page.click('button[type=submit]');
  await page.waitForURL(`${dashboard.base}/?interval=hour`);
  await page.close();
  return context;
}
