import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createHash, scryptSync } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hashPassword, newAccessToken, readAccessFile, tokenSha256, verifyPassword, writeAccessFile } from './access';

describe('passwords', () => {
  it('are stored as salted scrypt hashes and checked against them', async () => {
    const hash = await hashPassword('correct horse battery');
    expect(hash).toMatch(/^scrypt\$32768\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
    expect(hash).not.toContain('correct horse');
    expect(await hashPassword('correct horse battery')).not.toBe(hash); // a fresh salt each time
    expect(await verifyPassword('correct horse battery', hash)).toBe(true);
    for (const wrong of ['correct horse batterY', 'correct horse battery ', '', 'x']) expect(await verifyPassword(wrong, hash)).toBe(false);
  });

  it('verify what scrypt itself derives from the stored salt and cost (a hash made elsewhere works)', async () => {
    const salt = Buffer.from('0123456789abcdef');
    const key = scryptSync('s3cret-pass', salt, 32, { N: 1024, r: 8, p: 1 });
    const hash = `scrypt$1024$8$1$${salt.toString('base64url')}$${key.toString('base64url')}`;
    expect(await verifyPassword('s3cret-pass', hash)).toBe(true);
    expect(await verifyPassword('s3cret-pasS', hash)).toBe(false);
    expect(await verifyPassword('s3cret-pass', hash.replace('$1024$', '$2048$'))).toBe(false);
    expect(await verifyPassword('s3cret-pass', 'plain text')).toBe(false);
  });

  it('refuses to hash a password shorter than 8 characters', async () => {
    await expect(hashPassword('short')).rejects.toThrow(/at least 8/);
  });
});

describe('tokens', () => {
  it('are 256 random bits, stored as their SHA-256', () => {
    const token = newAccessToken();
    expect(token).toMatch(/^hbt_[A-Za-z0-9_-]{43}$/);
    expect(newAccessToken()).not.toBe(token);
    expect(tokenSha256(token)).toBe(createHash('sha256').update(token).digest('hex'));
  });
});

describe('the access file', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'hb-access-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('round-trips, readable by its owner only', async () => {
    const path = join(dir, 'access.json');
    const file = { users: [{ name: 'ana', passwordHash: await hashPassword('a long password') }], tokens: [{ name: 'ci', sha256: tokenSha256('t') }] };
    writeAccessFile(path, file);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(readAccessFile(path)).toEqual(file);
  });

  it('is checked once, naming every problem', () => {
    const path = join(dir, 'bad.json');
    const check = (content: unknown) => {
      writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
      return () => readAccessFile(path);
    };
    expect(check('{ not json')).toThrow(new RegExp(`${path}: .*JSON`));
    expect(check({})).toThrow(/nobody could sign in/);
    expect(check({ users: [{ name: 'ana', passwordHash: 'hunter2' }] })).toThrow(/users\.0\.passwordHash: must be scrypt/);
    expect(check({ users: [{ name: 'ana', password: 'hunter2' }] })).toThrow(/Unrecognized key/);
    // Hashes that match the pattern but that scrypt would refuse at sign-in (a 500 for every try): refused here.
    const key = 'A'.repeat(43);
    const salt = 'A'.repeat(22);
    expect(check({ users: [{ name: 'ana', passwordHash: `scrypt$1000$8$1$${salt}$${key}` }] })).toThrow(/users\.0\.passwordHash: scrypt N must be a power of two from 1024 to 1048576 \(got 1000\)/);
    expect(check({ users: [{ name: 'ana', passwordHash: `scrypt$1048576$32$1$${salt}$${key}` }] })).toThrow(/users\.0\.passwordHash: scrypt N·r needs 4096 MiB/);
    expect(check({ users: [{ name: 'ana', passwordHash: `scrypt$32768$0$1$${salt}$${key}` }] })).toThrow(/scrypt r must be from 1 to 32 \(got 0\)/);
    expect(check({ users: [{ name: 'ana', passwordHash: `scrypt$32768$8$0$${salt}$${key}` }] })).toThrow(/scrypt p must be from 1 to 16 \(got 0\)/);
    expect(check({ tokens: [{ name: 'ci', sha256: 'ABC' }] })).toThrow(/tokens\.0\.sha256: must be the token's SHA-256/);
    expect(check({ tokens: [{ name: 'ci', sha256: tokenSha256('a') }, { name: 'ci', sha256: tokenSha256('b') }] })).toThrow(/token ci is listed twice/);
    expect(check({ tokens: [{ name: 'a:b', sha256: tokenSha256('a') }] })).toThrow(/tokens\.0\.name/);
  });
});
