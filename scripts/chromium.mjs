// Headless Chromium as every browser check in this repository starts it: Debian's chromium (`apt-get install
// -y chromium`, which .ci/run does), driven by playwright-core, no sandbox or GPU, no background traffic
// (the tests check that pages ask for nothing outside their own origin).
import { existsSync } from 'node:fs';

export const CHROMIUM = '/usr/bin/chromium';
export const chromiumPresent = () => existsSync(CHROMIUM);

export async function launchChromium() {
  const { chromium } = await import('playwright-core');
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}
