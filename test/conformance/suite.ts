/**
 * The conformance suite: every check, against one running gateway given by
 * URL, in order (the shutdown check last). It knows nothing of runtimes but
 * their declared limits.
 */
import { afterAll, beforeAll, describe } from 'vitest';
import { authConformance } from './checks/auth.ts';
import { filterChecks } from './checks/filters.ts';
import { metricsChecks } from './checks/metrics.ts';
import { NETWORK_CAPABILITIES, NETWORK_ENV, networkChecks } from './checks/network.ts';
import { hostileChecks } from './checks/hostile.ts';
import { operationChecks, shutdownChecks } from './checks/operations.ts';
import { pageChecks } from './checks/page.ts';
import { publishChecks } from './checks/publish.ts';
import { quietChecks } from './checks/quiet.ts';
import { resumeChecks } from './checks/resume.ts';
import { slowConsumerChecks } from './checks/slow.ts';
import { streamChecks } from './checks/stream.ts';
import type { Limits, Target } from './checks/target.ts';
import { trustChecks, TRUST_ENV } from './checks/trust.ts';
import { webSocketChecks } from './checks/websocket.ts';

type Started = Target & { cleanup(): Promise<void> };

/** Runs `checks` against a gateway that `start` brings up (and that is cleaned up after). */
function against(title: string, name: string, start: () => Promise<Started>, checks: (t: () => Target) => void): void {
  describe(title, () => {
    let target: Started | undefined;
    const t = (): Target => {
      if (!target) throw new Error(`${name}: the gateway did not start`);
      return target;
    };
    beforeAll(async () => {
      target = await start();
    });
    afterAll(async () => {
      await target?.cleanup();
    });
    checks(t);
  });
}

/**
 * The suite for one runtime: `start(env)` brings up a gateway with the
 * conformance configuration plus `env`. The main run uses short heartbeats;
 * auth, trust and a gateway on every address have their own, and the
 * quiet-connection check runs against one with long heartbeats.
 */
export function conformance(name: string, limits: Limits, start: (env: Record<string, string>) => Promise<Started>): void {
  against(
    `conformance: ${name}`,
    name,
    () => start({}),
    (t) => {
      publishChecks(t);
      filterChecks(t, limits);
      resumeChecks(t, limits);
      streamChecks(t, limits);
      webSocketChecks(t, limits);
      operationChecks(t, limits);
      metricsChecks(t);
      pageChecks(t);
      slowConsumerChecks(t, limits);
      hostileChecks(t, limits);
      shutdownChecks(t, limits);
    },
  );
  authConformance(name, limits, start);
  against(
    `conformance: ${name}, trust`,
    name,
    () => start(TRUST_ENV),
    (t) => trustChecks(t, limits),
  );
  // A runtime that can do none of what this gateway is for (Workers: it is not told where it listens) does not start it.
  if (NETWORK_CAPABILITIES.every((c) => limits[c] !== undefined)) {
    describe(`conformance: ${name}, on every address`, () => networkChecks(() => ({ runtime: name, url: '', publishToken: '', limits }), limits));
  } else {
    against(
      `conformance: ${name}, on every address`,
      name,
      () => start(NETWORK_ENV),
      (t) => networkChecks(t, limits),
    );
  }
  against(
    `conformance: ${name}, long heartbeat`,
    name,
    () => start({ HEARTBEAT_MS: '60000' }),
    (t) => quietChecks(t, limits),
  );
}
