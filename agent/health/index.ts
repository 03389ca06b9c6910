/** The health stage's public API: kstatus readiness of one object and waiting for many. */
export { computeStatus, type Condition, type HealthStatus, type StatusResult } from "./kstatus.ts";
export { checkHealth, waitForHealthy, DEFAULTS as HEALTH_DEFAULTS, type HealthResult, type ObjectHealth, type WaitOptions } from "./wait-for-healthy.ts";
