import { focusRingSuite } from './a11y-suites.ts';

// Issue 7: the focus ring of every focusable element on every page, at least 3:1 against its background.
focusRingSuite('sign-in', { width: 1280, height: 800 });
