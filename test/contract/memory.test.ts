/** The backend contract, run against the in-memory backend. */
import { MemoryBackend } from '../../src/backends/memory.ts';
import { backendContract } from './backend.contract.ts';

backendContract('memory', {
  durable: false,
  fresh: async (historySize) => new MemoryBackend({ historySize }),
  // A restart is a new process: a new ring, a new epoch.
  restart: async () => new MemoryBackend({ historySize: 100 }),
  cleanup: async () => {},
});
