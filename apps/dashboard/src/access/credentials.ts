import { timingSafeEqual } from 'node:crypto';
import { tokenSha256, verifyPassword, type AccessFile } from '@hitboard/access';
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

  /**
   * The credential a subject signs in with now (a user's password hash, a token's SHA-256), or null when it is
   * no longer listed: a session is bound to it, so a changed password or rotated token ends older sessions.
   */
  credentialOf(subject: Subject): string | null {
    return subject.kind === 'user' ? (this.file.users.find((u) => u.name === subject.name)?.passwordHash ?? null) : (this.file.tokens.find((t) => t.name === subject.name)?.sha256 ?? null);
  }
}
