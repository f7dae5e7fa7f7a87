/** Test helpers for other projects' specs: `import { expectMonoidLaws } from '@hitboard/topk/testing'`. */
export { expectMonoidLaws, type MonoidLawOptions } from './expectMonoidLaws';
export { keyArb, updateArb, streamArb, type Update } from './arbitraries';
export { type Sums, ZERO_SUMS, addSums, sumsMonoid, type KeyedSums, keyedSumsMonoid, type ExactTopEntry, exactTop } from './ExactSums';
