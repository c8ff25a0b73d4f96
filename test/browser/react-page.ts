/**
 * The React test page's code, bundled by react.test.ts with React 19 (its
 * development build, where StrictMode mounts twice) and the README's
 * Dashboard. `window.render(config)` renders, or re-renders with new props,
 * what the test asks for: the Dashboard, feeds (useEvents) and toasts
 * (useEvent), in StrictMode or not. Each feed and toast records what it got
 * in `window.views` / `window.toasts` after every commit.
 */
import { createElement as h, type FunctionComponent, StrictMode, useEffect, useLayoutEffect, useRef } from 'react';
import { createRoot, type Root } from 'react-dom/client';
import { type EventsOptions, eventHooks } from '../../src/react/index.ts';

/** The hooks for events of any type (the tests use built-in types, and a type the gateway refuses). */
const { useEvents, useEvent } = eventHooks<Record<string, Record<string, unknown>>>();

export interface PageConfig {
  strict?: boolean;
  dashboard?: { url: string };
  feeds?: { name: string; options: EventsOptions }[];
  toasts?: { name: string; type: string; options: EventsOptions }[];
}

export interface FeedView {
  ids: string[];
  types: string[];
  state: string;
  cursor: string | null;
  gaps: { reason: string; requested: string }[];
  error: { error: string; field?: string } | null;
  /** Commits of this feed's component. */
  commits: number;
  /** Every `events` array seen was frozen, and none changed after it was handed out. */
  immutable: boolean;
}

interface PageWindow {
  render(config: PageConfig): void;
  unmount(): void;
  views: Record<string, FeedView>;
  toasts: Record<string, { id: string; type: string; replayed: boolean }[]>;
  /** Mount effects run (twice per component under StrictMode in development). */
  mountEffects: number;
  pageReady: boolean;
}
const w = window as unknown as PageWindow;

function Feed({ name, options }: { name: string; options: EventsOptions }) {
  const view = useEvents(options);
  const seen = useRef<{ arr: readonly unknown[]; len: number } | null>(null);
  const commits = useRef(0);
  useEffect(() => void w.mountEffects++, []);
  useLayoutEffect(() => {
    const before = w.views[name];
    const changed = seen.current !== null && seen.current.arr.length !== seen.current.len;
    seen.current = { arr: view.events, len: view.events.length };
    w.views[name] = {
      ids: view.events.map((e) => e.id),
      types: view.events.map((e) => e.type),
      state: view.state,
      cursor: view.cursor,
      gaps: view.gaps.map((g) => ({ reason: g.reason, requested: g.requested })),
      error: view.error && { error: view.error.error, field: view.error.field },
      commits: ++commits.current,
      immutable: (before?.immutable ?? true) && !changed && Object.isFrozen(view.events),
    };
  });
  return h('ul', { 'data-feed': name }, `${view.state}: ${view.events.length} events`);
}

function Toast({ name, type, options }: { name: string; type: string; options: EventsOptions }) {
  useEffect(() => void w.mountEffects++, []);
  useEvent(type, (e, { replayed }) => (w.toasts[name] ??= []).push({ id: e.id, type: e.type, replayed }), options);
  return null;
}

export function startPage(Dashboard: FunctionComponent<{ url: string }>): void {
  let root: Root | null = null;
  w.views = {};
  w.toasts = {};
  w.mountEffects = 0;
  w.render = (config) => {
    root ??= createRoot(document.getElementById('root')!);
    const children = [
      config.dashboard ? h(Dashboard, { key: 'dashboard', url: config.dashboard.url }) : null,
      ...(config.feeds ?? []).map((f) => h(Feed, { key: `feed:${f.name}`, ...f })),
      ...(config.toasts ?? []).map((t) => h(Toast, { key: `toast:${t.name}`, ...t })),
    ];
    root.render(config.strict ? h(StrictMode, null, children) : h('div', null, children));
  };
  w.unmount = () => {
    root?.unmount();
    root = null;
  };
  w.pageReady = true;
}
