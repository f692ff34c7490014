import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { workspaceRoot } from '@rl/devstack';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

/** Where browser suites leave their screenshots (gitignored): e2e/artifacts/<suite>/*.png. */
export function artifactsDir(suite: string): string {
  const dir = join(workspaceRoot(), 'e2e', 'artifacts', suite);
  mkdirSync(dir, { recursive: true });
  return dir;
}

export interface HeadlessBrowser {
  readonly context: BrowserContext;
  readonly page: Page;
  /** Uncaught page errors and console errors (CSP violations included), for a suite to assert on. */
  readonly problems: string[];
  close(): Promise<void>;
}

/**
 * Debian's chromium, headless, with a fresh profile, installed with apt-get when missing
 * (tools/ensure-debian-package.sh). One context and page; `close()` stops the browser and removes
 * the profile.
 */
export async function launchChromium(options: { viewport?: { width: number; height: number } } = {}): Promise<HeadlessBrowser> {
  execFileSync('bash', [join(workspaceRoot(), 'tools', 'ensure-debian-package.sh'), CHROMIUM, 'chromium'], { stdio: 'inherit' });
  const profile = mkdtempSync(join(tmpdir(), 'rl-chromium-'));
  let context: BrowserContext;
  try {
    // launchPersistentContext is Playwright's way to pass --user-data-dir (a fresh, throwaway profile).
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      viewport: options.viewport ?? { width: 1440, height: 900 },
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
  } catch (error) {
    rmSync(profile, { recursive: true, force: true });
    throw error;
  }
  const page = context.pages()[0] ?? (await context.newPage());
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    // Chromium logs every non-2xx fetch as an error; the suites provoke 400s, 401s and 404s on purpose.
    if (message.type() === 'error' && !/^Failed to load resource: the server responded with a status of \d+/.test(message.text())) {
      problems.push(`console error: ${message.text()}`);
    }
  });
  return {
    context,
    page,
    problems,
    async close(): Promise<void> {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
