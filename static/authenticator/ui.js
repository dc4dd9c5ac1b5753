// Small DOM helpers. Text from servers (names, apps, addresses) only ever becomes text nodes.

/** `h('p', {class: 'hint'}, 'text', child)`: an element; `on*` attributes become listeners. */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith('on')) el.addEventListener(name.slice(2), value);
    else if (name === 'text') el.textContent = value;
    else el.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

/**
 * Replaces the page's content with one screen. The heading takes focus, so a screen reader says
 * where the person is now and Tab starts from the top of the new screen.
 */
export function show(title, ...content) {
  const main = document.getElementById('main');
  const heading = h('h1', { tabindex: '-1' }, title);
  main.replaceChildren(heading, ...content.flat(Infinity).filter(Boolean));
  document.title = `${title} · Gatehouse Authenticator`;
  heading.focus();
  return main;
}

/** Says `text` through the polite live region (new requests, results). */
export function announce(text) {
  const live = document.getElementById('live');
  live.textContent = '';
  // A fresh text node after a tick: screen readers announce a change, not a region that already had it.
  setTimeout(() => (live.textContent = text), 50);
}

export const hostOf = (issuer) => new URL(issuer).host;

/** "14:02:05" in the device's own time zone and clock format. */
export const timeOf = (ms) => new Date(ms).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' });

/** A field with its label, hint and (when given) error, tied together for assistive technology. */
export function field({ id, label, hint, error, input }) {
  input.id = id;
  const described = [hint && `${id}-hint`, error && `${id}-error`].filter(Boolean).join(' ');
  if (described) input.setAttribute('aria-describedby', described);
  if (error) input.setAttribute('aria-invalid', 'true');
  return h(
    'div',
    { class: error ? 'field has-error' : 'field' },
    h('label', { for: id }, label),
    hint && h('p', { class: 'hint', id: `${id}-hint` }, hint),
    error && h('p', { class: 'error', id: `${id}-error` }, error),
    input,
  );
}

/** A guess at a name for this device that its owner will recognise ("Chrome on Android"). */
export function defaultDeviceName() {
  const ua = navigator.userAgent;
  const os = /Android/.test(ua) ? 'Android' : /iPhone/.test(ua) ? 'iPhone' : /iPad/.test(ua) ? 'iPad' : /Mac OS X/.test(ua) ? 'Mac' : /Windows/.test(ua) ? 'Windows' : /Linux/.test(ua) ? 'Linux' : 'this device';
  const browser = /Edg\//.test(ua) ? 'Edge' : /Firefox\//.test(ua) ? 'Firefox' : /Chrome\//.test(ua) ? 'Chrome' : /Safari\//.test(ua) ? 'Safari' : 'Browser';
  return `${browser} on ${os}`;
}
