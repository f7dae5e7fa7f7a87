/**
 * Kafka's own Java clients, run from the broker's jars through `kafka.sh run-class`: for tests
 * that need a *different* client on the other end of a topic (codecs, headers, batching as Java
 * does them). Needs Java and the jars (`kafka.sh fetch`).
 */
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';

/** The script that runs the local broker and Kafka's own CLI tools. */
export const KAFKA_SH = resolve(__dirname, '../kafka.sh');

/** Runs a Kafka CLI class through `kafka.sh run-class` (the broker's jars; needs Java). */
export function runKafkaClass(args: string[], input?: string, timeoutMs = 90_000): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolveRun, rejectRun) => {
    const child = spawn('bash', [KAFKA_SH, 'run-class', ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      rejectRun(err);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolveRun({ stdout, stderr });
      else rejectRun(new Error(`kafka.sh run-class ${args[0]} ${timedOut ? `killed after ${timeoutMs} ms` : `exited ${code ?? signal}`}:\n${stderr.slice(-2000)}`));
    });
    child.stdin.end(input ?? '');
  });
}

export type JavaCompression = 'none' | 'gzip' | 'snappy' | 'lz4' | 'zstd';

/**
 * Produces `messages` with Kafka's Java console producer (kafka.tools.ConsoleProducer, the
 * same client code as any Java producer), batched and compressed with `compression`.
 * Keys and values must not contain a tab or a newline.
 */
export async function javaProduce(
  brokers: string[],
  topic: string,
  messages: { key?: string; value: string }[],
  compression: JavaCompression = 'none',
): Promise<void> {
  const keyed = messages.some((m) => m.key !== undefined);
  for (const m of messages) {
    if (/[\t\n]/.test(m.value) || (m.key !== undefined && /[\t\n]/.test(m.key))) {
      throw new Error('javaProduce: keys and values cannot contain tabs or newlines (the console producer splits on them)');
    }
    if (keyed && m.key === undefined) throw new Error('javaProduce: give every message a key, or none');
  }
  const input = messages.map((m) => (keyed ? `${m.key}\t${m.value}` : m.value)).join('\n') + '\n';
  await runKafkaClass(
    [
      'kafka.tools.ConsoleProducer',
      '--bootstrap-server', brokers.join(','),
      '--topic', topic,
      '--compression-codec', compression,
      '--request-required-acks', 'all',
      '--producer-property', 'linger.ms=50',
      '--producer-property', 'batch.size=1048576',
      '--producer-property', 'max.request.size=4194304',
      ...(keyed ? ['--property', 'parse.key=true', '--property', 'key.separator=\t'] : []),
    ],
    input,
  );
}

/**
 * Reads `count` messages from the beginning of `topic` with Kafka's Java console consumer;
 * returns partition, key and value of each (values must not contain tabs or newlines).
 */
export async function javaConsume(
  brokers: string[],
  topic: string,
  count: number,
  timeoutMs = 30_000,
): Promise<{ partition: number; key: string | null; value: string }[]> {
  const { stdout } = await runKafkaClass([
    'org.apache.kafka.tools.consumer.ConsoleConsumer',
    '--bootstrap-server', brokers.join(','),
    '--topic', topic,
    '--from-beginning',
    '--max-messages', String(count),
    '--timeout-ms', String(timeoutMs),
    '--property', 'print.partition=true',
    '--property', 'print.key=true',
    '--property', 'key.separator=\t',
  ], undefined, timeoutMs + 90_000); // the idle timeout starts after the JVM and the group join
  return stdout
    .split('\n')
    .filter((line) => line.startsWith('Partition:'))
    .map((line) => {
      const [p, key, ...value] = line.split('\t');
      return { partition: Number(p!.slice('Partition:'.length)), key: key === 'null' ? null : (key ?? null), value: value.join('\t') };
    });
}
