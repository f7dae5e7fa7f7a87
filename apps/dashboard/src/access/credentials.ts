import { timingSafeEqual } from 'node:crypto';
import { tokenSha256, verifyPassword, type AccessFile } from '@hitboard/runtime';
import type { Subject } from './session-cookie';

// Checked when the name is unknown, so a wrong name costs the same scrypt time as a wrong password.
const DECOY_HASH = 'scrypt$32768$8$1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';

/** The deployment's users and API tokens (from its access file), checked without leaking which part was wrong. */
export class Credentials {
  private readonly tokenHashes: { name: string; hash: Buffer }[];

  constructor(private readonly file: AccessFile) {
    this.tokenHashes = file.tokens.map((t) => ({ name: t.name, hash: Buffer.from(t.sha256, 'hex') }));
  }

  /** The token's name if its SHA-256 is listed; every listed hash is compared (constant time each). */
  token(token: string): Subject | null {
    const hash = Buffer.from(tokenSha256(token), 'hex');
    let found: string | null = null;
    for (const t of this.tokenHashes) if (timingSafeEqual(t.hash, hash)) found = t.name;
    return found === null ? null : { kind: 'token', name: found };
  }

  async password(name: string, password: string): Promise<Subject | null> {
    const user = this.file.users.find((u) => u.name === name);
    const ok = await verifyPassword(password, user?.passwordHash ?? DECOY_HASH);
    return ok && user ? { kind: 'user', name: user.name } : null;
  }

  /** Whether a session's subject is still in the file (a removed user's cookie stops working at the next start). */
  lists(subject: Subject): boolean {
    return subject.kind === 'user' ? this.file.users.some((u) => u.name === subject.name) : this.file.tokens.some((t) => t.name === subject.name);
  }
}
