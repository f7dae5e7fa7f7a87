/** What is rising right now: pure scoring of every product against its usual rate (see MoverTracker). */
export { MoverTracker, DEFAULT_MOVER_PARAMS, BYTES_PER_PRODUCT, type MoverParams, type Mover, type MoverDirection, type UsualFromHistory, type MoverTrackerHeader } from './MoverTracker';
export { poissonUpperTail, poissonLowerTail, poissonLowerBound, gammaP, gammaQ, logGamma } from './poisson';
