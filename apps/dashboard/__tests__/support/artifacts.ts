import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { APP_DIR } from '../../src/serve';

/** Screenshots and downloads the browser tests keep: CI lists `apps/dashboard/test-artifacts/*.png`. */
export const ARTIFACTS_DIR = path.join(APP_DIR, 'test-artifacts');
mkdirSync(ARTIFACTS_DIR, { recursive: true });
