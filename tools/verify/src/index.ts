export * from './api';
export * from './compare';
export * from './ground-truth';
export * from './verify';
export * from './ranges';
