import { ConfigError } from '@hitboard/runtime';
import { loadDashboardConfig, loadServerConfig, readerUrl } from './config';
import { loadAccess } from './http-server';

describe('dashboard config', () => {
  it('fails naming each wrong variable', () => {
    expect(() => loadDashboardConfig({ DATABASE_URL: 'mysql://x', REPORTING_TIME_ZONE: 'Mars/Olympus' })).toThrow(ConfigError);
    try {
      loadDashboardConfig({ DATABASE_URL: 'mysql://x', REPORTING_TIME_ZONE: 'Mars/Olympus' });
    } catch (error) {
      const problems = (error as ConfigError).problems.join('\n');
      expect(problems).toMatch(/DATABASE_URL: must be a postgres:\/\/ URL/);
      expect(problems).toMatch(/HITBOARD_READER_PASSWORD/);
      expect(problems).toMatch(/REPORTING_TIME_ZONE: not an IANA time zone/);
    }
  });

  it('logs in as the reader whatever user the URL names', () => {
    const config = loadDashboardConfig({ DATABASE_URL: 'postgres://admin:secret@db:5433/hitboard', HITBOARD_READER_PASSWORD: 'p@ss word' });
    expect(config.PORT).toBe(3000);
    expect(readerUrl(config.DATABASE_URL, config.HITBOARD_READER_PASSWORD)).toBe('postgres://hitboard_reader:p%40ss%20word@db:5433/hitboard');
  });

  it('the server refuses to start without who may sign in, or with a short session secret', () => {
    const base = { DATABASE_URL: 'postgres://db/hitboard', HITBOARD_READER_PASSWORD: 'p' };
    expect(() => loadServerConfig(base)).toThrow(/DASHBOARD_ACCESS_FILE: [\s\S]*DASHBOARD_SESSION_SECRET: /);
    expect(() => loadServerConfig({ ...base, DASHBOARD_ACCESS_FILE: '/x.json', DASHBOARD_SESSION_SECRET: 'short' })).toThrow(/DASHBOARD_SESSION_SECRET: must have at least 32 characters/);
    const config = loadServerConfig({ ...base, DASHBOARD_ACCESS_FILE: '/no/such/access.json', DASHBOARD_SESSION_SECRET: 'x'.repeat(32) });
    expect(config.OPS_PORT).toBe(9472);
    expect(() => loadAccess(config)).toThrow(ConfigError);
    expect(() => loadAccess(config)).toThrow(/DASHBOARD_ACCESS_FILE: \/no\/such\/access\.json: ENOENT/);
  });

  it('never prints a secret it refuses: DASHBOARD_SESSION_SECRET, or the password inside DATABASE_URL', () => {
    const secret = 'hunter2-session-secret';
    let message = '';
    try {
      loadServerConfig({ DATABASE_URL: 'mysql://admin:db-pa55word@db/hitboard', HITBOARD_READER_PASSWORD: 'p', DASHBOARD_ACCESS_FILE: '/x.json', DASHBOARD_SESSION_SECRET: secret });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/DASHBOARD_SESSION_SECRET: must have at least 32 characters .*\(got a value of 22 characters, not shown\)/);
    expect(message).toMatch(/DATABASE_URL: must be a postgres:\/\/ URL \(got "mysql:\/\/admin:\*\*\*@db\/hitboard"\)/);
    expect(message).not.toContain(secret);
    expect(message).not.toContain('db-pa55word');
  });
});
