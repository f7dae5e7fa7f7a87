import path from 'node:path';
import type { NextConfig } from 'next';

/** Headers on every response, pages and API alike. Next's hydration needs inline scripts, hence 'unsafe-inline'. */
const securityHeaders = [
  {
    key: 'Content-Security-Policy',
    value: [
      "default-src 'self'",
      "script-src 'self' 'unsafe-inline'",
      "style-src 'self' 'unsafe-inline'",
      "img-src 'self' data:",
      "connect-src 'self'",
      "font-src 'self'",
      "object-src 'none'",
      "base-uri 'self'",
      "form-action 'self'",
      "frame-ancestors 'none'",
    ].join('; '),
  },
  { key: 'X-Content-Type-Options', value: 'nosniff' },
  { key: 'X-Frame-Options', value: 'DENY' },
  { key: 'Referrer-Policy', value: 'same-origin' },
  { key: 'Permissions-Policy', value: 'camera=(), microphone=(), geolocation=(), payment=()' },
  { key: 'Cross-Origin-Opener-Policy', value: 'same-origin' },
];

const config: NextConfig = {
  // DASHBOARD_DIST_DIR: where the build goes (default .next). The browser test builds into its own, so a
  // whole-system run building the dashboard at the same time never shares, locks or replaces its build.
  distDir: process.env.DASHBOARD_DIST_DIR || '.next',
  poweredByHeader: false,
  reactStrictMode: true,
  // The workspace libs ship TypeScript sources.
  transpilePackages: ['@hitboard/schema', '@hitboard/db-client', '@hitboard/runtime'],
  // Node-only packages with dynamic requires (knex's dialects, pino's worker transport): loaded from node_modules at run time, never bundled.
  serverExternalPackages: ['knex', 'pg', 'pino', 'prom-client'],
  // The monorepo root holds node_modules and the workspace libs.
  turbopack: { root: path.join(__dirname, '../..') },
  outputFileTracingRoot: path.join(__dirname, '../..'),
  // `nx run @hitboard/dashboard:build` type-checks (tsc --noEmit, strict); `next build` need not do it again.
  typescript: { ignoreBuildErrors: true },
  async headers() {
    return [{ source: '/:path*', headers: securityHeaders }];
  },
};

export default config;
