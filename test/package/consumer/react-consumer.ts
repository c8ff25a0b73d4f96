// Type-checked against the shipped .d.ts files of eventgate/react (with React's types installed by the consumer):
// handlers typed by the event map, the built-in one or one of the application's own. Never run.
import { type BuiltinEvents, type EventsView, eventHooks, useEvent, useEvents } from 'eventgate/react';

const view: EventsView = useEvents({ url: 'http://localhost:8000', transport: 'ws', filter: { types: ['cgrag'], min_severity: 'warning' }, limit: 100 });
const first: string | undefined = view.events[0]?.message;
useEvent('cgrag', (e, { replayed }) => {
  if (!replayed) console.log(e.metadata.chunks_retrieved.toFixed(0));
});
useEvent('*', (e) => e.type satisfies keyof BuiltinEvents);
// @ts-expect-error: not a built-in type
useEvent('deploy', () => {});
// @ts-expect-error: not a built-in type
useEvents({ filter: { types: ['deploy'] } });

const mine = eventHooks<BuiltinEvents & { deploy: { service: string; version: string } }>();
mine.useEvent('deploy', (e) => e.metadata.service.toUpperCase());
const deploys = mine.useEvents({ filter: { types: ['deploy', 'error'] } }).events.filter((e) => e.type === 'deploy');
export { first, deploys };
