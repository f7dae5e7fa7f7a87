import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const DIR = join(__dirname, '..', 'src', 'migrations');

/**
 * A migration is history: it must build what it built when it was written, so it imports nothing
 * that a later change could move under it (the schema's names, the registry, …). knex's types and
 * an earlier migration (whose SQL is itself frozen) are all it may import.
 */
describe('migrations are frozen', () => {
  const files = readdirSync(DIR).filter((f) => /^\d{4}_.*\.ts$/.test(f));

  it('finds the migrations', () => expect(files.length).toBeGreaterThan(10));

  it.each(files)('%s imports only knex and earlier migrations', (file) => {
    const source = readFileSync(join(DIR, file), 'utf8');
    const imports = [...source.matchAll(/^\s*(?:import|export)\b[^;]*?\bfrom\s+'([^']+)'/gms)].map((m) => m[1]!);
    const allowed = (spec: string) => spec === 'knex' || (/^\.\/\d{4}_/.test(spec) && spec.slice(2) < file);
    expect(imports.filter((spec) => !allowed(spec))).toEqual([]);
  });
});
