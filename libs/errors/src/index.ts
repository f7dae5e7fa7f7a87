/** @hitboard/errors — the one error base class; every other lib's and app's errors extend it. */
export * from './errors';
