import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { TOPICS } from '@hitboard/schema';

const ROOT = resolve(__dirname, '../../..');

/** kafka.sh and docker-compose create topics by name in shell; the names live in libs/schema. */
describe('topic setup scripts use the names from @hitboard/schema', () => {
  const wanted = Object.values(TOPICS).sort();

  it('infra/kafka/kafka.sh creates exactly the TOPICS', () => {
    const sh = readFileSync(resolve(ROOT, 'infra/kafka/kafka.sh'), 'utf8');
    const block = /TOPIC_SPECS=\(([\s\S]*?)\)/.exec(sh)?.[1] ?? '';
    const names = [...block.matchAll(/"([^":]+):(\d+)"/g)].map((m) => m[1]);
    expect(names.sort()).toEqual(wanted);
  });

  it('infra/docker-compose.yml creates exactly the TOPICS', () => {
    const yml = readFileSync(resolve(ROOT, 'infra/docker-compose.yml'), 'utf8');
    const line = /for spec in ([^;]+);/.exec(yml)?.[1] ?? '';
    expect(line.trim().split(/\s+/).map((s) => s.split(':')[0]).sort()).toEqual(wanted);
  });
});
