import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

/**
 * What the local Kafka broker needs before anything starts: Java 17+, and Maven while its jars
 * are not fetched yet. Returns the problems, each saying what to install (empty: all there).
 */
export function kafkaPrerequisites(root: string, run = spawnSync): string[] {
  const problems: string[] = [];
  const java = run('java', ['-version'], { encoding: 'utf8' });
  if (java.error || java.status !== 0) {
    problems.push('Java 17 or newer is not installed (the local Kafka broker runs on it): install a JDK 17, e.g. `sudo apt-get install openjdk-17-jre-headless` or `brew install openjdk@17`.');
  } else {
    const version = /version "(\d+)(?:\.(\d+))?/.exec(`${java.stderr}${java.stdout}`);
    const major = version ? (Number(version[1]) === 1 ? Number(version[2]) : Number(version[1])) : NaN;
    if (!(major >= 17)) problems.push(`Java ${Number.isNaN(major) ? '(unknown version)' : major} is too old: Kafka needs Java 17 or newer (e.g. \`sudo apt-get install openjdk-17-jre-headless\`).`);
  }
  const jarsFetched = existsSync(join(root, 'infra/kafka/target/lib/.pom.sha256'));
  if (!jarsFetched) {
    const mvn = run('mvn', ['-v'], { encoding: 'utf8' });
    if (mvn.error || mvn.status !== 0) problems.push("Maven is not installed (it fetches Kafka's jars from Maven Central, once): install it, e.g. `sudo apt-get install maven` or `brew install maven`.");
  }
  return problems;
}
