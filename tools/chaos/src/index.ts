/** @hitboard/chaos — the two-machine layout on the three-broker cluster, faults, and the invariants checked after each. */
export { runSuite, suiteDefaults, type ScenarioReport, type SuiteOptions } from './suite';
export { ALL_SCENARIOS, QUICK_SCENARIOS } from './scenarios';
export { Layout, lakeEnv } from './layout';
