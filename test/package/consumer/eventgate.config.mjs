// A team's own event type, registered without forking: `deploy`, with its severity rule.
import * as v from 'valibot';

export default {
  types: {
    deploy: {
      metadata: v.looseObject({ service: v.string(), version: v.string(), ok: v.boolean() }),
      severity: (m) => (m.ok ? 'info' : 'error'),
    },
  },
  config: { historySize: 500 },
};
