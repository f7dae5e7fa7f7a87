export * from './random';
export * from './catalog';
export * from './events';
