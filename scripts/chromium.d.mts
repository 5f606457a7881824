import type { Browser } from 'playwright-core';
export const CHROMIUM: string;
export function chromiumPresent(): boolean;
export function launchChromium(): Promise<Browser>;
