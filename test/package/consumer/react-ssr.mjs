// eventgate/react as installed, in Node: the hooks render on a server (nothing connects there: no effects run).
import { createElement as h } from 'react';
import { renderToString } from 'react-dom/server';
import { useEvent, useEvents } from 'eventgate/react';

function Feed() {
  const options = { url: 'http://127.0.0.1:9', transport: 'ws' };
  const { events, state, cursor, gaps, error } = useEvents(options);
  useEvent('error', () => {}, options);
  return h('p', null, `${state} ${events.length} ${cursor ?? 'none'} ${gaps.length} ${error ?? 'ok'}`);
}
console.log(renderToString(h(Feed)));
