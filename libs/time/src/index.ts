/** @hitboard/time — the intervals hitboard ranks over (hour, day, week, month, …) and their windows. Add an interval in intervals.ts. */
export * from './intervals';
