import { createHash, randomBytes, scrypt as scryptCb, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { z } from 'zod';

/**
 * Who may use the dashboard and its API: users (name + scrypt password hash) and API tokens (their
 * SHA-256), kept in one JSON file per deployment (DASHBOARD_ACCESS_FILE), and the helpers that make
 * and check them. The dashboard enforces it; npm start, chaos and tests write such a file; verify
 * and the benches send a token from HITBOARD_TOKEN.
 */

/** The variable the project's own tools (verify, benches, chaos) read their API token from. */
export const ACCESS_TOKEN_ENV = 'HITBOARD_TOKEN';

/** `Authorization: Bearer …` when a token is given (none: no header, and the dashboard answers 401). */
export function bearerHeaders(token: string | undefined = process.env[ACCESS_TOKEN_ENV]): Record<string, string> {
  return token ? { authorization: `Bearer ${token}` } : {};
}

/** A fresh API token: 256 random bits, so one SHA-256 suffices to store it (no salt or slow hash needed). */
export function newAccessToken(): string {
  return `hbt_${randomBytes(32).toString('base64url')}`;
}

/** A fresh session secret for DASHBOARD_SESSION_SECRET (one per deployment). */
export function newSessionSecret(): string {
  return randomBytes(32).toString('base64url');
}

export function tokenSha256(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/**
 * scrypt's cost, stored inside each hash so it can be raised later without invalidating old ones.
 * N = 2^15, r = 8 needs 128·N·r = 32 MiB per hash: ~0.1 s here (OWASP's minimum is N = 2^17 with r = 8, p = 1 at
 * 128 MiB; we stay lower because the dashboard shares its host with the pipelines). https://www.tarsnap.com/scrypt/scrypt.pdf
 */
const SCRYPT = { N: 2 ** 15, r: 8, p: 1, keyLength: 32, saltBytes: 16 };
const PASSWORD_HASH = /^scrypt\$(\d+)\$(\d+)\$(\d+)\$([A-Za-z0-9_-]{16,})\$([A-Za-z0-9_-]{32,})$/;

function scrypt(password: string, salt: Buffer, keyLength: number, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => scryptCb(password.normalize('NFC'), salt, keyLength, options, (err, key) => (err ? reject(err) : resolve(key))));
}

const scryptOptions = (N: number, r: number, p: number): ScryptOptions => ({ N, r, p, maxmem: 256 * N * r + 1024 * 1024 });

/**
 * What scrypt itself would refuse at sign-in (N not a power of two, a cost beyond the memory limit), said at
 * start-up instead: such a hash would pass a pattern check and then answer every sign-in with a 500.
 */
export function scryptCostProblem(hash: string): string | null {
  const m = PASSWORD_HASH.exec(hash);
  if (!m) return null; // the pattern's own message says it
  const [N, r, p] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (!(N >= 2 ** 10 && N <= 2 ** 20 && (N & (N - 1)) === 0)) return `scrypt N must be a power of two from 1024 to 1048576 (got ${N})`;
  if (!(r >= 1 && r <= 32)) return `scrypt r must be from 1 to 32 (got ${r})`;
  if (!(p >= 1 && p <= 16)) return `scrypt p must be from 1 to 16 (got ${p})`;
  if (128 * N * r > 256 * 1024 * 1024) return `scrypt N·r needs ${(128 * N * r) / 2 ** 20} MiB per sign-in; at most 256 MiB`;
  if (Buffer.from(m[5]!, 'base64url').length < 16) return 'the derived key is shorter than 16 bytes';
  return null;
}

/** `scrypt$N$r$p$salt$hash` (salt and hash base64url). */
export async function hashPassword(password: string): Promise<string> {
  if (password.length < 8) throw new Error('a password must have at least 8 characters');
  const salt = randomBytes(SCRYPT.saltBytes);
  const key = await scrypt(password, salt, SCRYPT.keyLength, scryptOptions(SCRYPT.N, SCRYPT.r, SCRYPT.p));
  return `scrypt$${SCRYPT.N}$${SCRYPT.r}$${SCRYPT.p}$${salt.toString('base64url')}$${key.toString('base64url')}`;
}

/** Whether `password` matches `hash` (constant-time compare of the derived keys). */
export async function verifyPassword(password: string, hash: string): Promise<boolean> {
  const m = PASSWORD_HASH.exec(hash);
  if (!m) return false;
  const expected = Buffer.from(m[5]!, 'base64url');
  const key = await scrypt(password, Buffer.from(m[4]!, 'base64url'), expected.length, scryptOptions(Number(m[1]), Number(m[2]), Number(m[3])));
  return timingSafeEqual(key, expected);
}

const name = () => z.string().regex(/^[A-Za-z0-9._@-]{1,64}$/, 'a name of 1-64 letters, digits, ".", "_", "@", "-"');

export const accessFileSchema = z
  .object({
    users: z
      .array(
        z
          .object({
            name: name(),
            passwordHash: z
              .string()
              .regex(PASSWORD_HASH, 'must be scrypt$N$r$p$salt$hash (make one with the dashboard\'s `access hash-password`)')
              .superRefine((hash, ctx) => {
                const problem = scryptCostProblem(hash);
                if (problem) ctx.addIssue({ code: 'custom', message: problem });
              }),
          })
          .strict(),
      )
      .default([]),
    tokens: z.array(z.object({ name: name(), sha256: z.string().regex(/^[0-9a-f]{64}$/, 'must be the token\'s SHA-256 as 64 lowercase hex digits') }).strict()).default([]),
  })
  .strict()
  .superRefine((file, ctx) => {
    if (file.users.length + file.tokens.length === 0) ctx.addIssue({ code: 'custom', message: 'no users and no tokens: nobody could sign in' });
    const seen = new Set<string>();
    for (const n of [...file.users.map((u) => `user ${u.name}`), ...file.tokens.map((t) => `token ${t.name}`)]) {
      if (seen.has(n)) ctx.addIssue({ code: 'custom', message: `${n} is listed twice` });
      seen.add(n);
    }
  });

export type AccessFile = z.output<typeof accessFileSchema>;

/** Reads and validates an access file; throws naming the file and every problem. */
export function readAccessFile(path: string): AccessFile {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new Error(`${path}: ${(err as Error).message}`);
  }
  const parsed = accessFileSchema.safeParse(raw);
  if (!parsed.success) throw new Error(`${path}: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(file)'}: ${i.message}`).join('; ')}`);
  return parsed.data;
}

/** Writes an access file readable by its owner only. */
export function writeAccessFile(path: string, file: { users?: AccessFile['users']; tokens?: AccessFile['tokens'] }): void {
  writeFileSync(path, `${JSON.stringify({ users: file.users ?? [], tokens: file.tokens ?? [] }, null, 2)}\n`, { mode: 0o600 });
}
