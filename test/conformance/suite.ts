/**
 * The conformance suite: every check, against one running gateway given by
 * URL, in order (the shutdown check last). It knows nothing of runtimes but
 * their declared limits.
 */
import { afterAll, beforeAll, describe } from 'vitest';
import { filterChecks } from './checks/filters.ts';
import { operationChecks, shutdownChecks } from './checks/operations.ts';
import { publishChecks } from './checks/publish.ts';
import { resumeChecks } from './checks/resume.ts';
import { slowConsumerChecks } from './checks/slow.ts';
import type { Limits, Target } from './checks/target.ts';
import { webSocketChecks } from './checks/websocket.ts';

export function conformance(name: string, limits: Limits, start: () => Promise<Target & { cleanup(): Promise<void> }>): void {
  describe(`conformance: ${name}`, () => {
    let target: (Target & { cleanup(): Promise<void> }) | undefined;
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
    publishChecks(t);
    filterChecks(t, limits);
    resumeChecks(t, limits);
    webSocketChecks(t, limits);
    operationChecks(t, limits);
    slowConsumerChecks(t, limits);
    shutdownChecks(t, limits);
  });
}
