/**
 * The page's token, for a gateway that requires one: taken from the URL
 * fragment (`#token=...`, which never reaches a server or its logs, and is
 * removed from the address bar at once) or pasted into the prompt the page
 * shows when the gateway answers 401; kept in sessionStorage (this tab
 * only, gone when it closes). The subscription sends it as `access_token`;
 * fetches send it as a Bearer header.
 */
const KEY = 'eventgate:token';

function storage(): Storage | undefined {
  try {
    return window.sessionStorage;
  } catch {
    return undefined; // storage disabled: the token lives as long as the page
  }
}

let memory: string | undefined;

export function pageToken(): string | undefined {
  return storage()?.getItem(KEY) ?? memory;
}

export function saveToken(token: string): void {
  memory = token;
  storage()?.setItem(KEY, token);
}

/** Moves a `#token=` fragment into storage and out of the address bar. */
export function takeTokenFromFragment(): void {
  const hash = new URLSearchParams(location.hash.slice(1));
  const t = hash.get('token');
  if (!t) return;
  saveToken(t);
  hash.delete('token');
  const rest = hash.toString();
  window.history.replaceState(null, '', `${location.pathname}${location.search}${rest ? `#${rest}` : ''}`);
}

/** Headers for a fetch to the gateway: the token as a Bearer, when there is one. */
export function authHeaders(): Record<string, string> {
  const t = pageToken();
  return t ? { authorization: `Bearer ${t}` } : {};
}

/**
 * Asks for a token (the gateway said why it refused the last one); calls
 * `use` with what was pasted. One prompt at a time: asking again while it
 * is open only updates its message.
 */
export function askToken(reason: string, use: (token: string) => void): void {
  let form = document.getElementById('token-prompt') as HTMLFormElement | null;
  if (!form) {
    form = document.createElement('form');
    form.id = 'token-prompt';
    form.className = 'token-prompt';
    form.setAttribute('aria-label', 'token');
    const why = document.createElement('p');
    why.id = 'token-reason';
    const input = document.createElement('input');
    input.id = 'token-input';
    input.type = 'password';
    input.autocomplete = 'off';
    input.placeholder = 'paste a token';
    input.setAttribute('aria-label', 'token');
    const button = document.createElement('button');
    button.type = 'submit';
    button.textContent = 'Use token';
    form.append(why, input, button);
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      const t = input.value.trim();
      if (!t) return;
      input.value = '';
      form!.remove();
      saveToken(t);
      current(t);
    });
    document.body.prepend(form);
  }
  current = use;
  (document.getElementById('token-reason') as HTMLElement).textContent = `This gateway needs a token: ${reason}`;
  (document.getElementById('token-input') as HTMLInputElement).focus();
}
let current: (token: string) => void = () => {};
