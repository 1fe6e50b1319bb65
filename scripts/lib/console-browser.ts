import { chromium, type Browser, type Page } from 'playwright-core';

/** Debian's Chromium (apt-get install chromium); playwright-core drives it and downloads no browser. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export const launchChromium = (): Promise<Browser> =>
  chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });

/**
 * The console's origin for a runtime's URL: localhost, which Chromium treats as a secure context, so the
 * Secure session cookie is kept.
 */
export const consoleOrigin = (runtimeUrl: string): string => runtimeUrl.replace('127.0.0.1', 'localhost');

/** Signs in on the console's page with an API key, as a seller does, and waits for the orders screen. */
export async function signIn(page: Page, origin: string, apiKey: string): Promise<void> {
  await page.goto(`${origin}/console`);
  await page.getByLabel('API key').fill(apiKey);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Orders' }).waitFor();
}
