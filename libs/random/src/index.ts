/** @hitboard/random — the repository's one seeded PRNG and Zipf sampler. Imports nothing: safe in production code (the generator) and in tests. */
export * from './random';
