import { createDb } from './create-db';
import { hitboardTypes } from './pg-types';

// The round trip through a real server (int8 beyond 2^53, count(*), numeric) is tested in
// infra/db/__tests__/create-db.spec.ts, next to the migrations it needs.
describe('hitboardTypes', () => {
  const INT8 = 20;
  const INT8_ARRAY = 1016;
  const NUMERIC = 1700;

  it('parses int8 to an exact bigint, beyond 2^53 too', () => {
    expect(hitboardTypes.getTypeParser(INT8)('9007199254740993')).toBe(9007199254740993n);
    expect(hitboardTypes.getTypeParser(INT8)('-42')).toBe(-42n);
  });

  it('parses int8 arrays element by element, keeping nulls', () => {
    expect(hitboardTypes.getTypeParser(INT8_ARRAY)('{1,NULL,9007199254740993}')).toEqual([1n, null, 9007199254740993n]);
  });

  it('leaves numeric as its exact text', () => {
    expect(hitboardTypes.getTypeParser(NUMERIC)('12345678901234567890.01')).toBe('12345678901234567890.01');
  });
});

describe('createDb', () => {
  it('refuses an impossible pool before connecting, saying what it got', () => {
    expect(() => createDb('postgres://127.0.0.1:1/none', { pool: { min: 3, max: 1 } })).toThrow(/pool must satisfy.*"min":3/);
    expect(() => createDb('postgres://127.0.0.1:1/none', { pool: { max: 0 } })).toThrow(/max >= 1/);
  });

  it('connects lazily: a knex for an unreachable server is made without error', async () => {
    const knex = createDb('postgres://127.0.0.1:1/none');
    await knex.destroy();
  });
});
