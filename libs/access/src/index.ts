/** @hitboard/access — who may use the dashboard and its API: users, API tokens, and the checks (the dashboard enforces them). */
export * from './access';
