/**
 * The Operations tab's place on the page: its button is shown only when
 * GET /api/ops answers this visitor (an admin grant, ADMIN_TOKEN, or a
 * loopback visitor on a gateway without auth); the view reads once a
 * second while its tab is selected and the page is visible.
 */
import { OpsView } from './ops.ts';
import { authHeaders } from './token.ts';

export function setupOpsTab(): { recheck(): void } {
  const button = document.getElementById('tab-ops') as HTMLElement;
  const section = document.getElementById('view-ops') as HTMLElement;
  const load = () => fetch('/api/ops', { headers: authHeaders(), cache: 'no-store' });
  const view = new OpsView({
    load,
    onRefused: () => {
      button.hidden = true;
      if (selected()) document.getElementById('tab-live')?.click();
    },
  });
  section.append(view.element);
  const selected = () => button.getAttribute('aria-selected') === 'true';
  const sync = () => {
    section.hidden = !selected();
    if (selected() && document.visibilityState === 'visible') view.start();
    else view.stop();
  };
  for (const tab of document.querySelectorAll<HTMLElement>('[role=tab]')) tab.addEventListener('click', () => queueMicrotask(sync));
  document.addEventListener('visibilitychange', sync);
  const recheck = () =>
    void load().then(
      (res) => {
        button.hidden = !res.ok;
        if (res.ok) void res.json().then((s) => view.draw(s));
      },
      () => {},
    );
  recheck();
  return { recheck };
}
