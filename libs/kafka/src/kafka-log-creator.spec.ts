import { logLevel } from 'kafkajs';
import { kafkaLogCreator, type LevelLogger } from './kafka-log-creator';

describe('kafkaLogCreator', () => {
  it('forwards each kafkajs level to the same pino level, with namespace and fields', () => {
    const calls: [string, object, string | undefined][] = [];
    const logger: LevelLogger = {
      error: (o, m) => calls.push(['error', o, m]),
      warn: (o, m) => calls.push(['warn', o, m]),
      info: (o, m) => calls.push(['info', o, m]),
      debug: (o, m) => calls.push(['debug', o, m]),
    };
    const log = kafkaLogCreator(logger)(logLevel.DEBUG);
    const entry = (level: logLevel) => ({ namespace: 'Consumer', level, label: 'X', log: { timestamp: 't', message: `m${level}`, groupId: 'g' } });
    for (const l of [logLevel.ERROR, logLevel.WARN, logLevel.INFO, logLevel.DEBUG, logLevel.NOTHING]) log(entry(l));
    expect(calls).toEqual([
      ['error', { kafkajs: 'Consumer', groupId: 'g' }, 'm1'],
      ['warn', { kafkajs: 'Consumer', groupId: 'g' }, 'm2'],
      ['info', { kafkajs: 'Consumer', groupId: 'g' }, 'm4'],
      ['debug', { kafkajs: 'Consumer', groupId: 'g' }, 'm5'],
    ]);
  });
});

describe('kafkaLogCreator: a broker or coordinator still starting is a retry, not a failure', () => {
  function levelsOf(entries: { namespace: string; level: logLevel; message: string; error?: string }[]): [string, string][] {
    const calls: [string, string][] = [];
    const logger: LevelLogger = {
      error: (_o, m) => calls.push(['error', m ?? '']),
      warn: (_o, m) => calls.push(['warn', m ?? '']),
      info: (_o, m) => calls.push(['info', m ?? '']),
      debug: (_o, m) => calls.push(['debug', m ?? '']),
    };
    const log = kafkaLogCreator(logger)(logLevel.DEBUG);
    for (const { namespace, level, message, error } of entries) log({ namespace, level, label: 'ERROR', log: { timestamp: 't', message, ...(error ? { error } : {}) } });
    return calls;
  }

  it('logs the retriable "coordinator is loading" answer of a fresh broker (what npm start printed) at warn', () => {
    // The entry kafkajs's Connection writes when a FindCoordinator/InitProducerId answer carries GROUP_LOAD_IN_PROGRESS (code 14).
    const loading = "The coordinator is loading and hence can't process requests for this group";
    expect(levelsOf([{ namespace: 'Connection', level: logLevel.ERROR, message: 'Response FindCoordinator(key: g, version: 2)', error: loading }])).toEqual([
      ['warn', 'Response FindCoordinator(key: g, version: 2)'],
    ]);
    // The retry's own line carries the same message as its text.
    expect(levelsOf([{ namespace: 'Cluster', level: logLevel.ERROR, message: loading }])).toEqual([['warn', loading]]);
    for (const error of ['There is no leader for this topic-partition as we are in the middle of a leadership election', 'This is not the correct coordinator for this group']) {
      expect(levelsOf([{ namespace: 'Connection', level: logLevel.ERROR, message: 'Response Metadata(key: 3, version: 6)', error }])).toEqual([['warn', 'Response Metadata(key: 3, version: 6)']]);
    }
  });

  it('keeps every other error at error: an authorisation refusal, a crash, an unknown message', () => {
    expect(
      levelsOf([
        { namespace: 'Connection', level: logLevel.ERROR, message: 'Response Produce(key: 0, version: 7)', error: 'Not authorized to access topics: [Topic authorization failed]' },
        { namespace: 'Consumer', level: logLevel.ERROR, message: 'Crash: KafkaJSNumberOfRetriesExceeded: The coordinator is loading and hence can\'t process requests for this group' },
        { namespace: 'Producer', level: logLevel.ERROR, message: 'something else broke' },
      ]),
    ).toEqual([
      ['error', 'Response Produce(key: 0, version: 7)'],
      ['error', "Crash: KafkaJSNumberOfRetriesExceeded: The coordinator is loading and hence can't process requests for this group"],
      ['error', 'something else broke'],
    ]);
  });
});
