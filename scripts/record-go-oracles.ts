/**
 * Rewrites the recorded outputs of the Go oracles (wasm/helm-template/oracles/) from the built oracles
 * (run: `npm run record:oracles` after `npm run build:wasm`). The unit tests compare with Go live where
 * the oracles are built and with these recordings where they are not; where they are built, a test fails
 * when a recording differs from what the oracle prints, so a changed input is recorded on purpose, here.
 */
import { GO_ORACLES, recordGoOracle, type GoOracleName } from "../test/support/go-oracle.ts";

for (const name of Object.keys(GO_ORACLES) as GoOracleName[]) console.log(`recorded ${recordGoOracle(name)}`);
