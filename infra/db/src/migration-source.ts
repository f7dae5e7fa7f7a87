import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Knex } from 'knex';

/** A migration module: `up` and (optionally) `down`, each given the knex of one transaction. */
export interface MigrationModule {
  up(knex: Knex): Promise<void>;
  down?(knex: Knex): Promise<void>;
}

/** Files that are migrations: `NNNN_name.ts` (or `.js` once compiled), never declarations or specs. */
const MIGRATION_FILE = /^(\d{4,}_[A-Za-z0-9_]+)\.(ts|js|cjs)$/;

/** The directory this package's migrations live in; new ones are discovered by listing it. */
export const MIGRATIONS_DIR = join(__dirname, 'migrations');

/**
 * Lists `migrations/NNNN_*.ts` in name order and `require`s each one itself, so the same code
 * runs under ts-jest, tsx and compiled JS without knex's own file loader (which wants a
 * knexfile and `import()`s by extension).
 *
 * A migration's name is its file name WITHOUT the extension (`0001_core`): that is what is
 * recorded in `knex_migrations`, so a later switch from `.ts` to compiled `.js` changes nothing.
 */
export class DirectoryMigrationSource implements Knex.MigrationSource<string> {
  constructor(private readonly dir: string = MIGRATIONS_DIR) {}

  async getMigrations(): Promise<string[]> {
    const byName = new Map<string, string>();
    for (const file of readdirSync(this.dir)) {
      const match = MIGRATION_FILE.exec(file);
      if (!match || file.endsWith('.d.ts')) continue;
      const name = match[1] as string;
      // Prefer the .ts source if both it and a compiled .js sit side by side.
      if (!byName.has(name) || file.endsWith('.ts')) byName.set(name, file);
    }
    return [...byName.keys()].sort().map((name) => byName.get(name) as string);
  }

  getMigrationName(file: string): string {
    return file.replace(/\.(ts|js|cjs)$/, '');
  }

  async getMigration(file: string): Promise<Knex.Migration> {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const mod = require(join(this.dir, file)) as Partial<MigrationModule>;
    if (typeof mod.up !== 'function') {
      throw new Error(`Migration ${file} in ${this.dir} does not export an up(knex) function`);
    }
    const down = mod.down;
    return {
      up: mod.up,
      down:
        down ??
        (async () => {
          throw new Error(`Migration ${file} has no down(); roll forward with a new migration instead`);
        }),
    };
  }
}
