/**
 * @hitboard/topk — mergeable aggregates written once and used by the speed layer, the batch
 * layer and the serving merge. Test helpers live in `@hitboard/topk/testing`.
 */
export { type Monoid, monoid, mapMonoid } from './Monoid';
export { TopKError, SketchParameterMismatchError, SketchDecodeError, InvalidCountError, SafeIntegerOverflowError, type SketchParameter } from './errors';
export { murmur3, fmix32, wellFormedKey } from './hash';
export {
  CountMinSketch,
  countMinMonoid,
  sketchDimensions,
  assertCount,
  type SketchAccuracy,
  type SketchDimensions,
  MAX_DEPTH,
  MAX_PLANES,
  MAX_COUNTERS,
} from './CountMinSketch';
export { TopKSketch, topKMonoid, type TopKParams, type TopKEntry } from './TopKSketch';
export { DEFAULT_SKETCH_PARAMS, DEFAULT_CANDIDATES } from './defaults';
