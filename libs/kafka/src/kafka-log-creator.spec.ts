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
