/**
 * Makes what goes into an access file (DASHBOARD_ACCESS_FILE):
 *
 *   printf '%s' 'the password' | npm run access -w @hitboard/dashboard -- hash-password
 *   npm run access -w @hitboard/dashboard -- new-token verify-ci
 *   npm run access -w @hitboard/dashboard -- check /etc/hitboard/access.json
 */
import { handleHelp, runMain } from '@hitboard/runtime';
import { hashPassword, newAccessToken, readAccessFile, tokenSha256 } from '@hitboard/access';

const argv = handleHelp({
  name: 'npm run access -w @hitboard/dashboard -- <command>',
  summary:
    'Who may sign in to the dashboard is one JSON file, {"users": [{"name", "passwordHash"}], "tokens": [{"name", "sha256"}]}, ' +
    'named by DASHBOARD_ACCESS_FILE and checked once at start. These commands make its entries; nothing secret is stored in it.',
  usage: [
    'hash-password       reads a password on stdin (at least 8 characters), prints its scrypt hash (users[].passwordHash)',
    'new-token [NAME]    prints a new API token (give it to the tool, e.g. HITBOARD_TOKEN) and its entry for tokens[]',
    'check FILE          validates an access file: exit 0, or each problem and exit 1',
  ],
});

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

runMain(async () => {
  const [command, arg] = argv;
  if (command === 'hash-password') {
    process.stdout.write(`${await hashPassword(await readStdin())}\n`);
  } else if (command === 'new-token') {
    const token = newAccessToken();
    process.stdout.write(`token (shown once; keep it in the tool's HITBOARD_TOKEN):\n  ${token}\nentry for "tokens":\n  ${JSON.stringify({ name: arg ?? 'api', sha256: tokenSha256(token) })}\n`);
  } else if (command === 'check' && arg) {
    try {
      const file = readAccessFile(arg);
      process.stdout.write(`${arg}: ${file.users.length} user(s), ${file.tokens.length} token(s)\n`);
    } catch (err) {
      process.stderr.write(`${(err as Error).message}\n`);
      process.exitCode = 1;
    }
  } else {
    process.stderr.write('expected hash-password, new-token [NAME] or check FILE (see --help)\n');
    process.exitCode = 2;
  }
});
