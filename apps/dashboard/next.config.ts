import path from 'node:path';
import type { NextConfig } from 'next';
import { SECURITY_HEADERS } from './src/security-headers';

const config: NextConfig = {
  // DASHBOARD_DIST_DIR: where the build goes (default .next). The browser test builds into its own, so a
  // whole-system run building the dashboard at the same time never shares, locks or replaces its build.
  distDir: process.env.DASHBOARD_DIST_DIR || '.next',
  poweredByHeader: false,
  reactStrictMode: true,
  // The workspace libs ship TypeScript sources.
  transpilePackages: ['@hitboard/schema', '@hitboard/db-client', '@hitboard/runtime', '@hitboard/lake'],
  // Node-only packages with dynamic requires (knex's dialects, pino's worker transport) or native binaries (DuckDB, which
  // reads the lake's rollup files for ranges): loaded from node_modules at run time, never bundled.
  serverExternalPackages: ['knex', 'pg', 'pino', 'prom-client', '@duckdb/node-api', '@aws-sdk/client-s3'],
  // The monorepo root holds node_modules and the workspace libs.
  turbopack: { root: path.join(__dirname, '../..') },
  outputFileTracingRoot: path.join(__dirname, '../..'),
  // `nx run @hitboard/dashboard:build` type-checks (tsc --noEmit, strict); `next build` need not do it again.
  typescript: { ignoreBuildErrors: true },
  async headers() {
    return [{ source: '/:path*', headers: SECURITY_HEADERS }];
  },
};

export default config;
